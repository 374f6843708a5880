"""Mutants and alternative answers kept beside each solution.

Layout (documented in docs/authoring.md)::

    solutions/01_subnets/variants/<exercise_id>/mutant_<slug>.edit
    solutions/01_subnets/variants/<exercise_id>/alt_<slug>.py

``<exercise_id>`` is the grade_id of the solution cell.

An **alternative** (``alt_*.py``) is the complete source a student could type into
that cell; its first line is a comment ``# why: ...`` saying how it differs.

A **mutant** is stored as the reference answer plus a small named edit, so that
it follows the reference when the reference changes, and fails loudly when its
mistake no longer fits::

    # why: <what it gets wrong>
    <<<<<<< SEARCH
    <whole lines of the reference answer>
    =======
    <the lines that replace them>
    >>>>>>> REPLACE

One or more blocks, applied in order to the reference answer of that exercise
(``cells.reference_answer`` of the solution cell in the assignment's notebook).
Each SEARCH text must match whole lines exactly once in the text it is applied
to (the reference after the earlier blocks). The mutant's source is its
``# why:`` line followed by the edited answer, always ending with one newline.
Authors write a mutant as a whole file and let ``make-edit`` store it::

    python -m grader.variants reference ASSIGNMENT_DIR EXERCISE_ID > /tmp/mutant_<slug>.py
    # make the mistake in /tmp/mutant_<slug>.py, first line '# why: ...'
    python -m grader.variants make-edit ASSIGNMENT_DIR EXERCISE_ID /tmp/mutant_<slug>.py
    python -m grader.variants verify [PATH ...]   # every edit still applies (in the assignments of PATHs)
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader import cells
from grader.layout import CourseLayout

#: "cheat" variants are not files: grader.cheats generates them from the reference answer.
VariantKind = Literal["mutant", "alt", "cheat"]
KINDS: tuple[VariantKind, ...] = ("mutant", "alt")  # the kinds stored in variants/
VARIANTS_DIR = "variants"
EDIT_SUFFIX = ".edit"
WHY_PREFIX = "# why:"

SEARCH_MARKER = "<<<<<<< SEARCH"
DIVIDER_MARKER = "======="
REPLACE_MARKER = ">>>>>>> REPLACE"

#: Changes this many unchanged lines apart (or fewer) share one SEARCH/REPLACE block.
MERGE_GAP = 2


class VariantFormatError(ValueError):
    """A file in variants/ that does not follow the documented layout."""


@dataclass(frozen=True)
class Variant:
    exercise: str
    kind: VariantKind
    name: str
    path: Path  # the file it comes from: mutant_<name>.edit or alt_<name>.py (a cheat: a placeholder)
    source: str  # the complete cell source, ``# why:`` line first

    @property
    def label(self) -> str:
        return f"{self.kind} {self.exercise}/{self.name}"

    @property
    def student_id(self) -> str:
        """A gradebook-safe id for grading this variant as if a student submitted it."""
        return f"{self.kind}--{self.exercise}--{self.name}"

    @property
    def why(self) -> str:
        first = self.source.lstrip().splitlines()[0] if self.source.strip() else ""
        return first.removeprefix("#").strip().removeprefix("why:").strip()


# --- the edit format ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditBlock:
    search: tuple[str, ...]  # whole lines, without their newlines
    replace: tuple[str, ...]
    line: int = 0  # line of its SEARCH marker in the .edit file (1-based), for messages


@dataclass(frozen=True)
class Edit:
    why: str  # the first line, verbatim: "# why: ..."
    blocks: tuple[EditBlock, ...]


def _lines(text: str) -> list[str]:
    """Lines split on "\\n" only (code may hold other line-break characters in strings)."""
    pieces = text.split("\n")
    return pieces[:-1] if pieces and pieces[-1] == "" else pieces


def _text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _occurrences(lines: Sequence[str], wanted: Sequence[str]) -> list[int]:
    """Every index where ``wanted`` starts as a run of whole lines of ``lines`` (overlaps counted)."""
    size = len(wanted)
    if not size:
        return []
    first = wanted[0]
    return [
        index for index in range(len(lines) - size + 1)
        if lines[index] == first and list(lines[index:index + size]) == list(wanted)
    ]


def _why_line(why: str) -> str:
    line = why.strip()
    if not line.startswith(WHY_PREFIX):
        line = f"{WHY_PREFIX} {line.removeprefix('#').strip().removeprefix('why:').strip()}"
    if "\n" in line or not line.removeprefix(WHY_PREFIX).strip():
        raise VariantFormatError(f"the why must be one non-empty line, got {why!r}")
    return line


def parse_edit(text: str, where: str = "<edit>") -> Edit:
    """An .edit file's content as an :class:`Edit`; ``where`` names the file in errors."""
    lines = _lines(text)
    if not lines or not lines[0].startswith(WHY_PREFIX) or not lines[0].removeprefix(WHY_PREFIX).strip():
        raise VariantFormatError(f"{where}: first line must be '# why: <what it gets wrong>'")
    blocks: list[EditBlock] = []
    index = 1
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if line.rstrip() != SEARCH_MARKER:
            raise VariantFormatError(
                f"{where}, line {index + 1}: expected '{SEARCH_MARKER}' (or a blank line) between blocks, "
                f"got {line!r}"
            )
        start = index + 1
        try:
            divider = next(i for i in range(start, len(lines)) if lines[i].rstrip() == DIVIDER_MARKER)
        except StopIteration:
            raise VariantFormatError(
                f"{where}, block {len(blocks) + 1} (line {start}): no '{DIVIDER_MARKER}' after its SEARCH lines"
            ) from None
        try:
            end = next(i for i in range(divider + 1, len(lines)) if lines[i].rstrip() == REPLACE_MARKER)
        except StopIteration:
            raise VariantFormatError(
                f"{where}, block {len(blocks) + 1} (line {start}): no '{REPLACE_MARKER}' after its REPLACE lines"
            ) from None
        search, replace = lines[start:divider], lines[divider + 1:end]
        for marker_line in (*search, *replace):
            if marker_line.rstrip() in (SEARCH_MARKER, DIVIDER_MARKER, REPLACE_MARKER):
                raise VariantFormatError(
                    f"{where}, block {len(blocks) + 1} (line {start}): a stray {marker_line.rstrip()!r} inside it"
                )
        if not search:
            raise VariantFormatError(
                f"{where}, block {len(blocks) + 1} (line {start}): SEARCH is empty; it must quote at least one "
                "line of the reference"
            )
        blocks.append(EditBlock(tuple(search), tuple(replace), start))
        index = end + 1
    if not blocks:
        raise VariantFormatError(f"{where}: no '{SEARCH_MARKER}' ... '{REPLACE_MARKER}' block")
    return Edit(lines[0], tuple(blocks))


def render_edit(edit: Edit) -> str:
    """The text of an .edit file (what :func:`parse_edit` reads back)."""
    parts = [edit.why + "\n"]
    for number, block in enumerate(edit.blocks):
        if number:
            parts.append("\n")
        parts.append(f"{SEARCH_MARKER}\n{_text(block.search)}{DIVIDER_MARKER}\n{_text(block.replace)}{REPLACE_MARKER}\n")
    return "".join(parts)


def apply_edit(reference: str, edit: Edit, where: str = "<edit>", recreate: str = "") -> str:
    """The reference answer with the edit's blocks applied in order (the mutant, without its why line).

    Raises :class:`VariantFormatError` naming ``where`` and the block when a SEARCH
    does not match exactly once, and when the result is the reference itself.
    """
    original = _lines(reference)
    current = list(original)
    for number, block in enumerate(edit.blocks, start=1):
        found = _occurrences(current, block.search)
        if len(found) != 1:
            after = f" after block{'s 1-' if number > 2 else ' '}{number - 1}" if number > 1 else ""
            at_lines = ", ".join(str(i + 1) for i in found)
            how = f"found {len(found)} times (at lines {at_lines})" if found else "not found"
            raise VariantFormatError(
                f"{where}: block {number} (line {block.line}) no longer applies to the reference: its SEARCH "
                f"lines are {how} in the reference answer{after}, and must be found exactly once. "
                f"The reference changed? re-create the mutant: {recreate or 'see make-edit in docs/authoring.md'}"
            )
        at = found[0]
        current[at:at + len(block.search)] = block.replace
    if current == original:
        raise VariantFormatError(f"{where}: the edit changes nothing; a mutant must differ from the reference answer")
    return _text(current)


def _grow(lines: Sequence[str], low: int, high: int, step: int) -> tuple[int, int]:
    """One more context line around ``lines[low:high]``: before on even steps, after on odd ones."""
    before_first = step % 2 == 0
    if (before_first and low > 0) or high >= len(lines):
        return low - 1, high
    return low, high + 1


def edit_from_sources(reference: str, mutant: str, why: str) -> str:
    """A minimal .edit text that turns ``reference`` into ``mutant`` (both without a why line).

    Changes come from difflib's opcodes over whole lines; changes at most
    ``MERGE_GAP`` unchanged lines apart share a block. Each SEARCH is grown by
    context lines until it is non-empty and found exactly once in the text it
    is applied to (the reference after the earlier blocks); blocks whose context
    would overlap are merged. The result round-trips: applying it to
    ``reference`` gives back ``mutant`` (with one final newline).
    """
    why_line = _why_line(why)
    old, new = _lines(reference), _lines(mutant)
    if old == new:
        raise VariantFormatError("the mutant is the reference answer itself: there is no mistake to store")
    if not old:
        raise VariantFormatError("the reference answer is empty: there is nothing to edit")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changes: list[list[int]] = []  # [i1, i2, j1, j2]: old[i1:i2] becomes new[j1:j2]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if changes and i1 - changes[-1][1] <= MERGE_GAP:
            changes[-1][1], changes[-1][3] = i2, j2
        else:
            changes.append([i1, i2, j1, j2])

    current = list(old)
    offset = 0  # where old line i sits in `current`: i + offset (for lines not yet edited)
    blocks: list[EditBlock] = []
    index = 0
    while index < len(changes):
        i1, i2, j1, j2 = changes[index]
        start, end = i1 + offset, i2 + offset
        low, high, step = start, end, 0
        while len(_occurrences(current, current[low:high])) != 1:  # an empty SEARCH is found nowhere
            if low == 0 and high == len(current):  # pragma: no cover - the whole text is always unique
                raise AssertionError("edit_from_sources: no unique SEARCH context")
            low, high = _grow(current, low, high, step)
            step += 1
        if index + 1 < len(changes) and high > changes[index + 1][0] + offset:
            # The context reaches into the next change: make them one block and start again.
            changes[index] = [i1, changes[index + 1][1], j1, changes[index + 1][3]]
            del changes[index + 1]
            continue
        replacement = current[low:start] + new[j1:j2] + current[end:high]
        blocks.append(EditBlock(tuple(current[low:high]), tuple(replacement)))
        current[low:high] = replacement
        offset += (j2 - j1) - (i2 - i1)
        index += 1

    text = render_edit(Edit(why_line, tuple(blocks)))
    if apply_edit(reference, parse_edit(text)) != _text(new):  # pragma: no cover - a bug here, not in the input
        raise AssertionError("edit_from_sources: the edit does not give back the mutant")
    return text


# --- reading an assignment's variants ----------------------------------------------------


def reference_answers(assignment_dir: Path) -> dict[str, str]:
    """grade_id -> reference answer, for every solution cell of the assignment's notebooks."""
    answers: dict[str, str] = {}
    for notebook_path in sorted(assignment_dir.glob("*.ipynb")):
        notebook = cells.load_notebook(notebook_path)
        for _, cell in cells.solution_cells(notebook):
            answers.setdefault(cells.grade_id(cell) or "", cells.reference_answer(cell))
    return answers


def recreate_command(assignment_dir: Path, exercise: str, name: str) -> str:
    """How to write a mutant again from today's reference (quoted in error messages)."""
    scratch = f"/tmp/mutant_{name}.py"
    return (
        f"python -m grader.variants reference {assignment_dir} {exercise} > {scratch}, make the mistake again "
        f"in it (first line '# why: ...'), then python -m grader.variants make-edit {assignment_dir} {exercise} "
        f"{scratch}"
    )


def _scan(assignment_dir: Path) -> tuple[list[Variant], list[str]]:
    """Every variant that reads cleanly, and one problem line for every file that does not."""
    root = assignment_dir / VARIANTS_DIR
    if not root.is_dir():
        return [], []
    variants: list[Variant] = []
    problems: list[str] = []
    answers: dict[str, str] | None = None
    for path in sorted(root.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(root)
        if len(relative.parts) != 2 or path.suffix not in (".py", EDIT_SUFFIX):
            problems.append(
                f"{path}: expected variants/<exercise_id>/mutant_<name>{EDIT_SUFFIX} or "
                "variants/<exercise_id>/alt_<name>.py"
            )
            continue
        exercise = relative.parts[0]
        kind, _, name = path.stem.partition("_")
        if kind not in KINDS or not name:
            problems.append(f"{path}: file name must start with 'mutant_' or 'alt_'")
            continue
        if kind == "alt" and path.suffix != ".py":
            problems.append(f"{path}: an alternative answer is a complete file, alt_{name}.py")
            continue
        if kind == "mutant" and path.suffix == ".py":
            stored = path.with_suffix(EDIT_SUFFIX)
            if stored.exists():
                problems.append(f"{path}: {stored.name} beside it is this mutant; delete {path.name}")
            else:
                problems.append(
                    f"{path}: a mutant is stored as an edit of the reference answer, not as a whole file; "
                    f"run python -m grader.variants make-edit {assignment_dir} {exercise} {path}, "
                    f"then delete {path.name}"
                )
            continue
        text = path.read_text(encoding="utf-8")
        if kind == "alt":
            if not text.lstrip().startswith(WHY_PREFIX):
                problems.append(f"{path}: first line must be '# why: <how it differs>'")
                continue
            variants.append(Variant(exercise, "alt", name, path, text))
            continue
        if answers is None:
            answers = reference_answers(assignment_dir)
        try:
            edit = parse_edit(text, str(path))
            if exercise not in answers:
                raise VariantFormatError(
                    f"{path}: no solution cell with grade_id {exercise!r} in {assignment_dir}/*.ipynb, "
                    "so there is no reference answer to apply the edit to"
                )
            body = apply_edit(answers[exercise], edit, str(path), recreate_command(assignment_dir, exercise, name))
        except VariantFormatError as error:
            problems.append(str(error))
            continue
        variants.append(Variant(exercise, "mutant", name, path, f"{edit.why}\n{body}"))
    return variants, problems


def discover_variants(assignment_dir: Path) -> list[Variant]:
    """Every variant of an assignment, sorted; raises on files that break the layout.

    Mutants come out with their edits applied to the current reference answers.
    The error lists every broken file, one per line.
    """
    variants, problems = _scan(assignment_dir)
    if problems:
        raise VariantFormatError("\n".join(problems))
    return variants


def verify(assignment_dirs: Sequence[Path]) -> list[str]:
    """The problems of every variant file in these assignments (empty when every edit applies)."""
    problems: list[str] = []
    for assignment_dir in assignment_dirs:
        problems.extend(_scan(assignment_dir)[1])
    return problems


# --- the author's commands ---------------------------------------------------------------


def _assignment_dir(name: str) -> Path:
    """A path to an assignment in solutions/, or an assignment name looked up there."""
    path = Path(name)
    if path.is_dir():
        return path
    candidate = CourseLayout.find().solutions_dir / name
    if candidate.is_dir():
        return candidate
    raise FileNotFoundError(f"no assignment directory {name!r} (give e.g. solutions/01_subnets)")


def _assignments_touched(names: Sequence[str]) -> list[Path]:
    """The assignments named, or holding these paths (directories or files: a commit's staged files)."""
    solutions = CourseLayout.find().solutions_dir.resolve()
    dirs: list[Path] = []
    for name in names:
        path = Path(name).resolve()
        if not path.exists() and (solutions / name).is_dir():
            path = solutions / name  # an assignment's name
        if path.is_dir() and any(path.glob("*.ipynb")):  # an assignment directory, wherever it is
            if path not in dirs:
                dirs.append(path)
            continue
        if not path.is_relative_to(solutions) or path == solutions:
            raise FileNotFoundError(f"{name!r} is not in an assignment of {solutions} (give e.g. solutions/01_subnets)")
        assignment = solutions / path.relative_to(solutions).parts[0]
        if assignment not in dirs:
            dirs.append(assignment)
    return dirs


def _all_assignment_dirs() -> list[Path]:
    layout = CourseLayout.find()
    return [layout.solutions_dir / name for name in layout.assignments()]


def _reference_of(assignment_dir: Path, exercise: str) -> str:
    answers = reference_answers(assignment_dir)
    if exercise not in answers:
        known = ", ".join(sorted(answers)) or "none"
        raise VariantFormatError(f"no exercise {exercise!r} in {assignment_dir}/*.ipynb; exercises: {known}")
    return answers[exercise]


def make_edit(assignment_dir: Path, exercise: str, mutant_file: Path, why: str | None = None) -> Path:
    """Write variants/<exercise>/mutant_<slug>.edit from a whole mutant file; return its path.

    The slug is the file name without ``mutant_`` and ``.py``. The why comes from
    ``why`` or else from the file's first line ``# why: ...``. Nothing is deleted.
    """
    text = mutant_file.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if first.startswith(WHY_PREFIX):
        why, text = why or first, rest
    if not why:
        raise VariantFormatError(f"{mutant_file}: first line must be '# why: <what it gets wrong>' (or pass --why)")
    slug = mutant_file.name.removesuffix(".py").removeprefix("mutant_")
    if not slug or "/" in slug:
        raise VariantFormatError(f"{mutant_file}: cannot make a slug from this file name")
    try:
        edit_text = edit_from_sources(_reference_of(assignment_dir, exercise), text, why)
    except VariantFormatError as error:
        raise VariantFormatError(f"{mutant_file}: {error}") from None
    target = assignment_dir / VARIANTS_DIR / exercise / f"mutant_{slug}{EDIT_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(edit_text, encoding="utf-8", newline="\n")
    return target


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader.variants",
        description="Mutants are stored as edits of the reference answer: write, show and verify them.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-edit", help="store a whole mutant file as variants/<exercise>/mutant_<slug>.edit")
    make.add_argument("assignment_dir", metavar="ASSIGNMENT_DIR", help="e.g. solutions/01_subnets")
    make.add_argument("exercise", metavar="EXERCISE_ID", help="grade_id of the solution cell")
    make.add_argument("file", type=Path, metavar="FILE.py",
                      help="the mutant: the reference answer with the mistake, first line '# why: ...'")
    make.add_argument("--why", default=None, help="what it gets wrong (instead of the file's first line)")
    check = sub.add_parser("verify", help="apply every mutant edit; print the problems, exit 1 if any")
    check.add_argument("assignment_dirs", nargs="*", metavar="PATH",
                       help="assignments, or files in them (a commit's staged files): e.g. solutions/01_subnets "
                            "(default: every assignment)")
    reference = sub.add_parser("reference", help="print an exercise's reference answer (to start a mutant from)")
    reference.add_argument("assignment_dir", metavar="ASSIGNMENT_DIR")
    reference.add_argument("exercise", metavar="EXERCISE_ID")
    show = sub.add_parser("show", help="print a mutant's full source, its edit applied (to change it)")
    show.add_argument("assignment_dir", metavar="ASSIGNMENT_DIR")
    show.add_argument("exercise", metavar="EXERCISE_ID")
    show.add_argument("slug", metavar="SLUG", help="the name after mutant_, e.g. popcount")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "verify":
            dirs = _assignments_touched(args.assignment_dirs) if args.assignment_dirs else _all_assignment_dirs()
            problems = verify(dirs)
            for problem in problems:
                print(problem)
            if problems:
                return 1
            count = sum(len(list((d / VARIANTS_DIR).glob(f"*/mutant_*{EDIT_SUFFIX}"))) for d in dirs)
            print(f"{count} mutant edits apply to their references in {len(dirs)} assignment(s)")
            return 0
        assignment_dir = _assignment_dir(args.assignment_dir)
        if args.command == "reference":
            sys.stdout.write(_text(_lines(_reference_of(assignment_dir, args.exercise))))
        elif args.command == "show":
            path = assignment_dir / VARIANTS_DIR / args.exercise / f"mutant_{args.slug}{EDIT_SUFFIX}"
            if not path.is_file():
                raise FileNotFoundError(f"no mutant {path}")
            edit = parse_edit(path.read_text(encoding="utf-8"), str(path))
            reference_text = _reference_of(assignment_dir, args.exercise)
            sys.stdout.write(f"{edit.why}\n" + apply_edit(
                reference_text, edit, str(path), recreate_command(assignment_dir, args.exercise, args.slug)))
        else:
            target = make_edit(assignment_dir, args.exercise, args.file, args.why)
            print(f"wrote {target}")
        return 0
    except (VariantFormatError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
