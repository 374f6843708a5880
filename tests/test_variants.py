"""Mutants stored as edits of the reference answer: the format, its errors and the author's tool."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from grader import cells
from grader.variants import (
    DIVIDER_MARKER,
    REPLACE_MARKER,
    SEARCH_MARKER,
    Edit,
    EditBlock,
    VariantFormatError,
    apply_edit,
    discover_variants,
    edit_from_sources,
    main,
    parse_edit,
    verify,
)

from .conftest import REPO_ROOT

REFERENCE = '''def clamp(x, low, high):
    """x, kept within [low, high]."""
    if x < low:
        return low
    if x > high:
        return high
    return x'''


def _assignment(root: Path, reference: str = REFERENCE, exercise: str = "clamp") -> Path:
    """solutions/<a>/ with one notebook whose solution cell ``exercise`` has ``reference`` as its answer."""
    head, _, body = reference.partition("\n")
    cell = {
        "cell_type": "code", "execution_count": None, "id": "s", "outputs": [],
        "metadata": {"nbgrader": {"grade": False, "grade_id": exercise, "locked": False, "schema_version": 3,
                                  "solution": True, "task": False}},
        "source": f"{head}\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION",
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    directory = root / "solutions" / "99_demo"
    cells.save_notebook(notebook, directory / "demo.ipynb")
    return directory


def _write_edit(assignment_dir: Path, text: str, name: str = "mutant_x.edit", exercise: str = "clamp") -> Path:
    path = assignment_dir / "variants" / exercise / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _block(search: str, replace: str) -> str:
    return f"{SEARCH_MARKER}\n{search}{DIVIDER_MARKER}\n{replace}{REPLACE_MARKER}\n"


UPPER_ONLY = _block("    if x < low:\n        return low\n", "")
RETURNS_LOW = _block("        return high\n", "        return low\n")


# --- the format ----------------------------------------------------------------------------


def test_format_parses_why_and_blocks_in_order() -> None:
    text = "# why: two mistakes\n" + UPPER_ONLY + "\n\n" + RETURNS_LOW
    edit = parse_edit(text, "m.edit")
    assert edit.why == "# why: two mistakes"
    assert edit.blocks == (
        EditBlock(("    if x < low:", "        return low"), (), 2),
        EditBlock(("        return high",), ("        return low",), 9),
    )


def test_edit_applies_to_the_reference(tmp_path: Path) -> None:
    directory = _assignment(tmp_path)
    path = _write_edit(directory, "# why: forgets the lower bound\n" + UPPER_ONLY)
    [mutant] = discover_variants(directory)
    assert (mutant.kind, mutant.exercise, mutant.name, mutant.path) == ("mutant", "clamp", "x", path)
    assert mutant.why == "forgets the lower bound"
    assert mutant.source == (
        '# why: forgets the lower bound\ndef clamp(x, low, high):\n    """x, kept within [low, high]."""\n'
        "    if x > high:\n        return high\n    return x\n"
    )


def test_blocks_apply_in_order_each_to_the_text_the_last_left() -> None:
    # Block 2's SEARCH exists only after block 1 ran: order matters.
    edit = parse_edit("# why: w\n" + _block("    return x\n", "    return -x\n")
                      + _block("    return -x\n", "    return x + 1\n"))
    assert apply_edit(REFERENCE, edit).endswith("        return high\n    return x + 1\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def f(): pass\n", "first line must be '# why:"),
        ("# why:\n" + RETURNS_LOW, "first line must be '# why:"),
        ("# why: w\n", "no '<<<<<<< SEARCH'"),
        ("# why: w\nreturn x\n" + RETURNS_LOW, "line 2: expected '<<<<<<< SEARCH'"),
        ("# why: w\n<<<<<<< SEARCH\n    return x\n", "block 1 (line 2): no '======='"),
        ("# why: w\n" + RETURNS_LOW + "<<<<<<< SEARCH\n    return x\n=======\n",
         "block 2 (line 7): no '>>>>>>> REPLACE'"),
        ("# why: w\n<<<<<<< SEARCH\n=======\n    pass\n>>>>>>> REPLACE\n", "block 1 (line 2): SEARCH is empty"),
    ],
)
def test_malformed_edit_is_named(text: str, message: str) -> None:
    with pytest.raises(VariantFormatError, match="^m.edit") as error:
        parse_edit(text, "m.edit")
    assert message in str(error.value)


# --- when an edit does not fit ---------------------------------------------------------------


def test_missing_search_names_file_and_block(tmp_path: Path) -> None:
    directory = _assignment(tmp_path)
    path = _write_edit(directory, "# why: w\n" + RETURNS_LOW + "\n" + _block("    return y\n", "    return 0\n"))
    with pytest.raises(VariantFormatError) as error:
        discover_variants(directory)
    message = str(error.value)
    assert message.startswith(f"{path}: block 2 (line 8) no longer applies to the reference")
    assert "not found in the reference answer after block 1" in message
    assert "the reference changed? re-create the mutant" in message.lower()
    assert f"python -m grader.variants make-edit {directory} clamp /tmp/mutant_x.py" in message


def test_ambiguous_search_names_file_and_block(tmp_path: Path) -> None:
    # Block 1 makes "return low" appear twice, so block 2's SEARCH is ambiguous in the text it meets.
    directory = _assignment(tmp_path)
    path = _write_edit(directory, "# why: w\n" + RETURNS_LOW + "\n" + _block("        return low\n", "        pass\n"))
    with pytest.raises(VariantFormatError) as error:
        discover_variants(directory)
    message = str(error.value)
    assert message.startswith(f"{path}: block 2 (line 8) no longer applies to the reference")
    assert "found 2 times (at lines 4, 6) in the reference answer after block 1" in message


def test_search_matches_whole_lines_exactly_once(tmp_path: Path) -> None:
    # "return x" is inside no other line as a whole line, but "return" lines repeat: a part of a line never matches.
    reference = "def f(x):\n    y = x\n    y = x\n    return y"
    directory = _assignment(tmp_path, reference, "f")
    path = _write_edit(directory, "# why: w\n" + _block("    y = x\n", "    y = -x\n"), exercise="f")
    with pytest.raises(VariantFormatError) as error:
        discover_variants(directory)
    assert f"{path}: block 1 (line 2)" in str(error.value)
    assert "found 2 times (at lines 2, 3)" in str(error.value)
    path.write_text("# why: w\n" + _block("y = x\n", "y = -x\n"), encoding="utf-8")  # not a whole line
    with pytest.raises(VariantFormatError, match="not found"):
        discover_variants(directory)
    path.write_text("# why: w\n" + _block("    y = x\n    return y\n", "    y = -x\n    return y\n"), encoding="utf-8")
    assert discover_variants(directory)[0].source.endswith("    y = x\n    y = -x\n    return y\n")


def test_a_reference_change_that_breaks_an_edit_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _assignment(tmp_path)
    mutant_file = tmp_path / "mutant_no_upper.py"
    mutant_file.write_text("# why: no upper bound\n" + REFERENCE.replace("    if x > high:\n        return high\n", ""))
    assert main(["make-edit", str(directory), "clamp", str(mutant_file)]) == 0
    assert mutant_file.exists(), "make-edit deletes nothing"
    edit_path = directory / "variants" / "clamp" / "mutant_no_upper.edit"
    assert discover_variants(directory)[0].path == edit_path
    assert main(["verify", str(directory)]) == 0

    _assignment(tmp_path, REFERENCE.replace("if x > high:", "if high < x:"))  # the author rewrites the reference
    problems = verify([directory])
    assert len(problems) == 1 and problems[0].startswith(f"{edit_path}: block 1 (line 2) no longer applies")
    with pytest.raises(VariantFormatError, match="no longer applies"):
        discover_variants(directory)
    capsys.readouterr()
    assert main(["verify", str(directory)]) == 1
    assert f"{edit_path}: block 1" in capsys.readouterr().out


def test_a_mutant_stored_as_a_whole_file_is_rejected(tmp_path: Path) -> None:
    directory = _assignment(tmp_path)
    path = _write_edit(directory, "# why: w\n" + REFERENCE.replace("return x", "return 0") + "\n", "mutant_zero.py")
    with pytest.raises(VariantFormatError) as error:
        discover_variants(directory)
    assert str(error.value) == (
        f"{path}: a mutant is stored as an edit of the reference answer, not as a whole file; run "
        f"python -m grader.variants make-edit {directory} clamp {path}, then delete mutant_zero.py"
    )
    assert main(["make-edit", str(directory), "clamp", str(path)]) == 0
    with pytest.raises(VariantFormatError, match="mutant_zero.edit beside it is this mutant; delete mutant_zero.py"):
        discover_variants(directory)
    path.unlink()
    assert discover_variants(directory)[0].source.endswith("    return 0\n")


def test_an_edit_that_changes_nothing_is_rejected(tmp_path: Path) -> None:
    directory = _assignment(tmp_path)
    path = _write_edit(directory, "# why: w\n" + _block("    return x\n", "    return x\n"))
    with pytest.raises(VariantFormatError, match=f"^{path}: the edit changes nothing"):
        discover_variants(directory)
    with pytest.raises(VariantFormatError, match="is the reference answer itself"):
        edit_from_sources(REFERENCE, REFERENCE + "\n", "w")


def test_every_broken_file_is_listed(tmp_path: Path) -> None:
    directory = _assignment(tmp_path)
    first = _write_edit(directory, "# why: w\n" + _block("    nothing\n", "\n"), "mutant_a.edit")
    second = _write_edit(directory, "# why: w\n" + _block("    return x\n", "    return x\n"), "mutant_b.edit")
    unknown = _write_edit(directory, "# why: w\n" + RETURNS_LOW, exercise="nope")
    lines = str(pytest.raises(VariantFormatError, discover_variants, directory).value).splitlines()
    assert [line.split(":")[0] for line in lines] == [str(first), str(second), str(unknown)]
    assert "no solution cell with grade_id 'nope'" in lines[2]


# --- the author's tool -----------------------------------------------------------------------


def _round_trip(reference: str, mutant: str) -> Edit:
    text = edit_from_sources(reference, mutant, "# why: w")
    edit = parse_edit(text)
    assert apply_edit(reference, edit) == mutant
    for block in edit.blocks:
        assert block.search, "a SEARCH is never empty"
    return edit


LINES = [f"line {n}" for n in range(1, 9)]
REPEATED = ["def f():", "    pass", "    pass", "    x = 1", "    pass", "    pass", "    return x"]


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("name", "reference", "mutant", "searches"),
    [
        ("change at the first line", LINES, ["line one", *LINES[1:]], [["line 1"]]),
        ("change at the last line", LINES, [*LINES[:-1], "line eight"], [["line 8"]]),
        ("deletion", LINES, LINES[:3] + LINES[5:], [["line 4", "line 5"]]),
        ("insertion in the middle", LINES, [*LINES[:4], "new", *LINES[4:]], [["line 4"]]),
        ("insertion before the first line", LINES, ["new", *LINES], [["line 1"]]),
        ("insertion after the last line", LINES, [*LINES, "new"], [["line 8"]]),
        ("two changes far apart", LINES, ["line one", *LINES[1:7], "line eight"], [["line 1"], ["line 8"]]),
        ("changes close together share a block", LINES, ["line 1", "two", "line 3", "line 4", "five", *LINES[5:]],
         [["line 2", "line 3", "line 4", "line 5"]]),
        ("context reaching into the next change merges them", ["a"] * 4, ["b", "a", "a", "a"], [["a"] * 4]),
        ("everything replaced", LINES[:3], ["a", "b"], [LINES[:3]]),
        ("everything deleted", LINES[:3], [], [LINES[:3]]),
    ],
)
def test_edit_from_sources_is_minimal_and_round_trips(name: str, reference: list[str], mutant: list[str],
                                                      searches: list[list[str]]) -> None:
    edit = _round_trip("\n".join(reference), _text(mutant))
    assert [list(block.search) for block in edit.blocks] == searches, name


@pytest.mark.parametrize(
    ("name", "mutant"),
    [
        ("a repeated line changed", [*REPEATED[:4], "    return None", *REPEATED[5:]]),
        ("a repeated line deleted", [*REPEATED[:2], *REPEATED[3:]]),
        ("a repeated line inserted", [*REPEATED[:5], "    pass", *REPEATED[5:]]),
        ("the last repeated line changed", [*REPEATED[:5], "    pass  # no-op", REPEATED[6]]),
        ("the first repeated line changed", [REPEATED[0], "    ...", *REPEATED[2:]]),
    ],
)
def test_repeated_lines_get_enough_context(name: str, mutant: list[str]) -> None:
    edit = _round_trip("\n".join(REPEATED), _text(mutant))
    assert [len(block.search) > 1 for block in edit.blocks] == [True], f"{name}: one '    pass' is never unique"


def test_edit_from_sources_round_trips_on_random_texts() -> None:
    # Few distinct lines, so matches are ambiguous everywhere; many small changes, so blocks merge and shift.
    rng = random.Random(12)
    for _ in range(400):
        reference = [rng.choice("abcd") for _ in range(rng.randint(1, 14))]
        mutant = list(reference)
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(mutant))
            action = rng.choice(("insert", "delete", "change"))
            if action == "insert" or not mutant:
                mutant.insert(at, rng.choice("abcdx"))
            elif action == "delete":
                del mutant[min(at, len(mutant) - 1)]
            else:
                mutant[min(at, len(mutant) - 1)] = rng.choice("abcdx")
        if mutant != reference:
            _round_trip("\n".join(reference), _text(mutant))


def test_edit_from_sources_keeps_the_why_and_needs_one() -> None:
    assert edit_from_sources("a", "b\n", "swaps a for b").startswith("# why: swaps a for b\n<<<<<<< SEARCH\na\n")
    assert edit_from_sources("a", "b\n", "# why: swaps").startswith("# why: swaps\n")
    with pytest.raises(VariantFormatError, match="one non-empty line"):
        edit_from_sources("a", "b\n", "# why: ")


def _real_mutants() -> list[tuple[Path, str, str]]:
    found = []
    for assignment_dir in sorted(path for path in (REPO_ROOT / "solutions").iterdir() if path.is_dir()):
        answers = {cells.grade_id(cell): cells.reference_answer(cell)
                   for notebook in assignment_dir.glob("*.ipynb")
                   for _, cell in cells.solution_cells(cells.load_notebook(notebook))}
        for variant in discover_variants(assignment_dir):
            if variant.kind == "mutant":
                found.append((variant.path, answers[variant.exercise], variant.source))
    return found


def test_edit_from_sources_round_trips_on_every_real_mutant() -> None:
    mutants = _real_mutants()
    on_disk = sorted((REPO_ROOT / "solutions").glob("*/variants/*/mutant_*.edit"))
    assert sorted(path for path, _, _ in mutants) == on_disk and len(on_disk) >= 80
    for path, reference, source in mutants:
        why, _, body = source.partition("\n")
        edit = parse_edit(edit_from_sources(reference, body, why), str(path))
        assert f"{edit.why}\n{apply_edit(reference, edit, str(path))}" == source, path


def test_no_mutant_in_solutions_is_stored_as_a_whole_file() -> None:
    assert not sorted((REPO_ROOT / "solutions").glob("*/variants/*/mutant_*.py"))
    assert verify([path for path in (REPO_ROOT / "solutions").iterdir() if path.is_dir()]) == []


def test_reference_and_show_commands_print_the_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _assignment(tmp_path)
    _write_edit(directory, "# why: forgets the lower bound\n" + UPPER_ONLY)
    assert main(["reference", str(directory), "clamp"]) == 0
    assert capsys.readouterr().out == REFERENCE + "\n"
    assert main(["show", str(directory), "clamp", "x"]) == 0
    assert capsys.readouterr().out == discover_variants(directory)[0].source
    assert main(["reference", str(directory), "nope"]) == 2
    assert "no exercise 'nope'" in capsys.readouterr().err


# --- generic cheats (grader.cheats) ---------------------------------------------------------

CHEAT_REFERENCE = '''import math
from typing import Optional

LIMIT: int = 3
LOW, HIGH = 1, 2


class Box:
    """A box."""

    size = 3

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return 1

    @property
    def items(self) -> list[int]:
        return [self.x]


def label(x, y=LIMIT) -> Optional[str]:
    return str(math.floor(x))


def pair() -> "tuple[int, int]":
    return (1, 2)


def flag() -> bool:
    return True'''


def _run_cheat(kind: str) -> dict[str, object]:
    from grader.cheats import cheat_source

    source = cheat_source(CHEAT_REFERENCE, kind)
    assert source is not None and source.startswith("# why: generic cheat:")
    namespace: dict[str, object] = {}
    exec(compile(source, f"<cheat {kind}>", "exec"), namespace)  # noqa: S102 - generated source, under test
    return namespace


def test_always_equal_cheat_keeps_signatures_and_equals_everything() -> None:
    ns = _run_cheat("always_equal")
    label, box = ns["label"], ns["Box"](5)  # type: ignore[operator]
    result = label(1.5)  # type: ignore[operator]
    assert result == "1" and result == 2 and not (result != "x") and result and len(result) == 0
    assert list(result) == [] and 3 in result and result < 0 and result > 0 and result.anything() == "x"
    assert int(result) == 0 and [7, 8][result] == 7 and abs(result - 3) < 1e-9 and f"{result}" == ""
    assert box.items == [5] and ns["LIMIT"] == 3 and ns["LOW"] == ns["HIGH"] == (1, 2)
    with pytest.raises(TypeError):
        len(box)  # the answer's __len__ is dropped: dunders other than comparisons and lookups go
    with pytest.raises(TypeError):
        label()  # type: ignore[operator]  # the signature is the reference's
    assert not isinstance(result, str) and type(result).__name__ == "_AlwaysEqual"


def test_typed_cheat_subclasses_the_annotated_builtin() -> None:
    ns = _run_cheat("always_equal_typed")
    label, pair, flag = ns["label"], ns["pair"], ns["flag"]
    assert isinstance(label(1), str) and label(1) == "anything" and type(label(1)) is not str  # type: ignore[operator]
    assert isinstance(pair(), tuple) and pair() == (9, 9) and type(pair()) is not tuple  # type: ignore[operator]
    assert isinstance(flag(), int) and flag() == 5  # type: ignore[operator]  # bool cannot be subclassed: int
    assert isinstance(ns["Box"](1).items, list) and isinstance(ns["LIMIT"], int)  # type: ignore[operator]


def test_raising_cheat_raises_from_every_function() -> None:
    ns = _run_cheat("raises")
    for call in (lambda: ns["label"](1), lambda: ns["pair"](), lambda: ns["Box"](1).items):  # type: ignore[operator]
        with pytest.raises(ValueError, match="cheat"):
            call()


def test_cheats_apply_only_where_they_make_sense() -> None:
    from grader.cheats import cheat_source, cheats_for

    assert cheat_source("ANSWER = 42", "raises") is None  # no function to raise from
    assert cheat_source("def f(x):\n    return x", "always_equal_typed") is None  # no annotation to subclass
    assert cheat_source("def f(:", "always_equal") is None  # does not parse
    assert [c.name for c in cheats_for("f", "def f(x) -> list:\n    return [x]")] == [
        "always_equal", "always_equal_typed", "raises"]
    cheat = cheats_for("f", "def f(x):\n    return x")[0]
    assert (cheat.kind, cheat.label, cheat.student_id) == ("cheat", "cheat f/always_equal", "cheat--f--always_equal")


def test_every_exercise_in_the_course_gets_compilable_cheats() -> None:
    from grader.cheats import discover_cheats
    from grader.layout import CourseLayout

    layout = CourseLayout(REPO_ROOT)
    for assignment in layout.assignments():
        found = discover_cheats(layout.solutions_dir / assignment)
        exercises = set(cells.grade_id(c) for nb in layout.source_notebooks(assignment)
                        for _, c in cells.solution_cells(cells.load_notebook(nb)))
        assert {c.exercise for c in found if c.name == "always_equal"} == exercises, assignment
        for cheat in found:
            compile(cheat.source, cheat.label, "exec")
