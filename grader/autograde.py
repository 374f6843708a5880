"""``python -m grader autograde ASSIGNMENT``: parallel, sandboxed autograding into nbgrader's gradebook.

Two phases, so that SQLite has exactly one writer:

1. in parallel, one worker process per submission: read the submitted notebooks, restore the
   instructor's test cells with nbgrader's own sanitizing preprocessors (ClearOutput,
   DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata — they only *read* the
   gradebook), and execute them in a sandboxed kernel (grader.untrusted);
2. in this process, sequentially: stock nbgrader ``Autograde`` bookkeeping (students,
   submissions, timestamps, late penalties, file copies) with its ``Execute`` step replaced by
   one that takes the notebook executed in phase 1, and ``SaveAutoGrades`` writing the scores.

The gradebook therefore holds exactly what stock ``nbgrader autograde`` would write, and the
formgrader, ``generate_feedback`` and ``export`` work on it unchanged.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.layout import CourseLayout
from grader.sandbox import Policy, scratch_space


@dataclass
class SubmissionResult:
    student: str
    isolation: str = ""
    problems: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    manual: dict[str, list[str]] = field(default_factory=dict)  # notebook -> grade ids held for manual grading
    executed: dict[str, str] = field(default_factory=dict)  # notebook -> staged executed path
    score: float | None = None
    max_score: float | None = None

    @property
    def status(self) -> str:
        if self.score is None:
            return "NOT GRADED"
        return "review" if self.review else ("graded" if not self.problems else "graded*")


def gradebook_location(course: Path | CourseLayout) -> tuple[str, str]:
    """(db_url, course_id) exactly as nbgrader resolves them for this course (a layout or its root)."""
    layout = course if isinstance(course, CourseLayout) else CourseLayout(course)
    return layout.db_url, layout.course_id


def _sanitize(notebook: Any, resources: dict[str, Any], config: Any) -> Any:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    for preprocessor in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata):
        notebook, resources = preprocessor(config=config).preprocess(notebook, resources)
    return notebook


def repair_structure(notebook: Any, release: Any) -> list[str]:
    """Undo what a student did to the graded cells' structure, using the release as the reference.

    Metadata edits are reverted, duplicated or invented nbgrader cells become ordinary cells, and
    deleted graded cells are put back (a deleted answer cell comes back as the stub, so it earns
    nothing; a deleted test cell comes back and runs). Returns what was repaired.
    """
    import copy

    from grader import cells as nbcells

    reference = {nbcells.grade_id(c): c for c in release.cells if nbcells.nbgrader_meta(c)}
    order = list(reference)
    notes: list[str] = []
    seen: set[str] = set()
    for cell in notebook.cells:
        meta = cell.get("metadata", {})
        if "nbgrader" not in meta:
            continue
        grade_id = nbcells.grade_id(cell)
        if grade_id in seen or grade_id not in reference:
            del meta["nbgrader"]
            notes.append(f"extra graded cell {grade_id!r} ignored")
            continue
        seen.add(grade_id)
        original = reference[grade_id]
        if meta["nbgrader"] != original.metadata["nbgrader"] or cell.cell_type != original.cell_type:
            meta["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            cell.cell_type = original.cell_type
            notes.append(f"metadata of {grade_id!r} restored")
    for grade_id in order:
        if grade_id in seen:
            continue
        position = len(notebook.cells)
        earlier = order[: order.index(grade_id)]
        for index, cell in enumerate(notebook.cells):
            if nbcells.grade_id(cell) in earlier:
                position = index + 1
        restored = copy.deepcopy(reference[grade_id])
        restored.pop("id", None)
        notebook.cells.insert(position, restored)
        seen.add(grade_id)
        notes.append(f"deleted cell {grade_id!r} restored")
    return notes


def _without_symlinks(patterns: tuple[str, ...], root: Path, skipped: list[str]) -> Any:
    """copytree's ``ignore``: the patterns, and every symbolic link, noted in ``skipped``.

    A submission is copied by the grader, which may read what the student may not: a link in it to
    the gradebook, the solutions or another student's submission would hand the kernel their bytes.
    """
    by_pattern = shutil.ignore_patterns(*patterns)

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(by_pattern(directory, names))
        for name in names:
            path = Path(directory) / name
            if name not in ignored and path.is_symlink():
                ignored.add(name)
                skipped.append(str(path.relative_to(root)))
        return ignored

    return ignore


def _find_notebook(directory: Path, name: str, expected: list[str]) -> tuple[Path | None, str | None]:
    """The submitted ``name.ipynb``, or the one notebook a student renamed it to; never a symlink."""
    path = directory / f"{name}.ipynb"
    if path.is_symlink():
        return None, f"{name}.ipynb is a symbolic link, not a notebook: not graded"
    if path.exists():
        return path, None
    strangers = [p for p in directory.glob("*.ipynb") if p.stem not in expected and not p.is_symlink()]
    missing = [n for n in expected if not (directory / f"{n}.ipynb").exists()]
    if len(strangers) == 1 and len(missing) == 1:
        return strangers[0], f"{name}.ipynb was submitted as {strangers[0].name}"
    return None, f"{name}.ipynb is missing"


def prepare_notebook(layout: CourseLayout, assignment: str, student: str, name: str,
                     notebooks: list[str]) -> tuple[Path | None, Any, Any, list[str]]:
    """Find, repair and sanitize one submitted notebook: (its path, the notebook to execute, the
    release, problems); the notebook is None when it cannot be graded (the problems say why)."""
    submitted = layout.submission_dir(student, assignment)
    path, note = _find_notebook(submitted, name, notebooks)
    problems = [note] if note else []
    if path is None:
        return None, None, None, problems
    db_url, course_id = gradebook_location(layout)
    try:
        notebook = nbformat.read(path, as_version=4)
        released = nbformat.read(layout.release_dir(assignment) / f"{name}.ipynb", as_version=4)
        problems += repair_structure(notebook, released)
        resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": name,
                                  "student": student, "course_id": course_id}}
        notebook = _sanitize(notebook, resources, layout.nbgrader_config())
    except Exception as error:  # malformed JSON, broken metadata, ...
        return path, None, None, [*problems, f"{path.name} cannot be graded: {type(error).__name__}: {error}"]
    return path, notebook, released, problems


def stage_executed(layout: CourseLayout, assignment: str, student: str, name: str, submitted_path: Path,
                   executed: Any, staging: Path) -> str:
    """Put an executed notebook where phase 2 reads it, and beside it what nbgrader's bookkeeping
    reads: the submission as the student sent it, under the expected name (submitted/ is never
    modified, and no symbolic link in it is followed). Returns the executed notebook's path."""
    target = staging / student / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(executed, str):
        target.write_text(executed, encoding="utf-8")
    else:
        nbformat.write(executed, target)
    submitted = layout.submission_dir(student, assignment)
    shadow = layout.path(str(staging / "submitted"), student, assignment)
    if not shadow.exists():
        shutil.copytree(submitted, shadow, ignore=_without_symlinks(("*.ipynb",), submitted, []))
    shutil.copy2(submitted_path, shadow / f"{name}.ipynb")
    return str(target)


def grade_submission(layout: CourseLayout, assignment: str, student: str, notebooks: list[str], policy: Policy,
                     staging: str) -> SubmissionResult:
    """Phase 1 for one student (runs in a worker process)."""
    from grader.untrusted import execute_untrusted

    result = SubmissionResult(student)
    submitted = layout.submission_dir(student, assignment)
    release = layout.release_dir(assignment)
    with scratch_space(policy) as scratch:  # one tmpfs of policy.scratch_bytes: all the kernel can write
        workdir = Path(scratch) / "work"
        links: list[str] = []
        shutil.copytree(submitted, workdir, ignore=_without_symlinks(("*.ipynb", ".ipynb_checkpoints"), submitted,
                                                                     links))
        result.problems += [f"symbolic link {link} not copied for grading" for link in links]
        if release.is_dir():  # the instructor's data files win over same-named student files
            shutil.copytree(release, workdir, ignore=shutil.ignore_patterns("*.ipynb"), dirs_exist_ok=True)
        for name in notebooks:
            path, notebook, released, problems = prepare_notebook(layout, assignment, student, name, notebooks)
            result.problems += problems
            if path is None or notebook is None:
                continue
            execution = execute_untrusted(notebook, workdir, layout.root, policy, release=released,
                                          hidden=tuple(layout.instructor_paths()))
            result.isolation = execution.isolation
            result.problems += [f"{name}: {p}" for p in execution.problems]
            result.review += [f"{name}: {r}" for r in execution.review]
            if execution.manual:
                result.manual[name] = execution.manual
            result.executed[name] = stage_executed(layout, assignment, student, name, path, execution.notebook,
                                                   Path(staging))
    return result


class _GradebookWriter:
    """Phase 2: stock nbgrader Autograde, with execution replaced by the staged notebooks.

    Used from the main process only (one writer for SQLite), one student at a time as soon as
    that student's phase 1 is done, so the bookkeeping overlaps the workers' kernels.
    """

    def __init__(self, layout: CourseLayout, assignment: str, staging: Path) -> None:
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            IgnorePattern,
            LimitOutput,
            SaveAutoGrades,
        )

        from grader.staged import UseExecuted

        warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy autoflush notices from nbgrader's api
        config = layout.nbgrader_config()
        config.Autograde.sanitize_preprocessors = []
        config.Autograde.autograde_preprocessors = [UseExecuted, IgnorePattern, ClearMetadataPreprocessor,
                                                    LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                                    CheckCellMetadata]
        config.UseExecuted.staging_dir = str(staging)
        config.CourseDirectory.submitted_directory = str(staging / "submitted")
        self.config = config
        self.coursedir = CourseDirectory(config=config)
        self.coursedir.assignment_id = assignment
        self.errors: list[str] = []

    def record(self, student: str) -> None:
        from nbgrader.converters import Autograde

        self.coursedir.student_id = student
        converter = Autograde(coursedir=self.coursedir, config=self.config)
        converter.force = True
        converter.log.setLevel("CRITICAL")  # its errors are reported in our table instead
        try:
            converter.start()
        except Exception as error:  # recorded; the other students are still graded
            self.errors.append(f"{student}: {error}")


def ensure_assignment_in_gradebook(layout: CourseLayout, assignment: str) -> None:
    """A fresh checkout has no gradebook: record the assignment as generate_assignment would."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(*gradebook_location(layout)) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    from grader.nbgrader_cli import run_nbgrader

    with tempfile.TemporaryDirectory(prefix="eng101-release-") as release:
        run_nbgrader(["generate_assignment", assignment, f"--CourseDirectory.release_directory={release}",
                      f"--CourseDirectory.root={layout.root}"], cwd=layout.config_file.parent)


def hold_for_manual_grading(layout: CourseLayout, assignment: str, results: list[SubmissionResult]) -> None:
    """Mark the test cells the guard could not vouch for as needing manual grading (0 awarded until
    the instructor decides in the formgrader), in the gradebook stock nbgrader wrote."""
    from nbgrader.api import Gradebook, MissingEntry

    held = [(result, notebook, grade_id) for result in results for notebook, grade_ids in result.manual.items()
            for grade_id in grade_ids]
    if not held:
        return
    with Gradebook(*gradebook_location(layout)) as gradebook:
        for result, notebook, grade_id in held:
            try:
                grade = gradebook.find_grade(grade_id, notebook, assignment, result.student)
            except MissingEntry:
                result.problems.append(f"{notebook}: {grade_id} could not be held for manual grading")
                continue
            grade.auto_score = 0.0
            grade.needs_manual_grade = True
        gradebook.db.commit()


def scores_from_gradebook(layout: CourseLayout, assignment: str, results: list[SubmissionResult]) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(*gradebook_location(layout)) as gradebook:
        for result in results:
            try:
                submission = gradebook.find_submission(assignment, result.student)
            except MissingEntry:
                continue
            graded = [g for nb in submission.notebooks for g in nb.grades]
            if graded and all(g.auto_score is None and g.manual_score is None for g in graded):
                continue  # nbgrader created the submission but could not grade it
            result.score, result.max_score = submission.score, submission.max_score


def _grade_locally(layout: CourseLayout, assignment: str, students: list[str], notebooks: list[str], policy: Policy,
                   staging: str, jobs: int) -> Iterator[SubmissionResult]:
    """Phase 1 in worker processes of this machine; yields each student's result as soon as it is done."""
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, layout, assignment, student, notebooks, policy,
                               staging): student for student in students}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as error:  # a worker crashed: record it, keep going
                yield SubmissionResult(futures[future], problems=[f"grader error: {error}"])


def autograde(layout: CourseLayout, assignment: str, students: list[str] | None, jobs: int, policy: Policy,
              progress: bool = True, cluster: str | None = None) -> list[SubmissionResult]:
    """Grade ``students`` (default: every submission); phase 1 on this machine's cores, or on the
    Dask cluster at ``cluster`` (see grader.cluster); phase 2 always here."""
    available = layout.submitted_students(assignment)
    chosen = students or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise FileNotFoundError(f"no submission of {assignment} for: {', '.join(unknown)}")
    ensure_assignment_in_gradebook(layout, assignment)
    notebooks = [p.stem for p in sorted((layout.release_dir(assignment)).glob("*.ipynb"))] or [
        p.stem for p in layout.source_notebooks(assignment)]
    results: list[SubmissionResult] = []
    with tempfile.TemporaryDirectory(prefix="eng101-staging-") as staging:
        writer = _GradebookWriter(layout, assignment, Path(staging))
        if cluster:
            from grader.cluster import grade_on_cluster

            finished = grade_on_cluster(cluster, layout, assignment, chosen, notebooks, policy, Path(staging))
        else:
            finished = _grade_locally(layout, assignment, chosen, notebooks, policy, staging, jobs)
        for done, result in enumerate(finished, start=1):
            results.append(result)
            if result.executed:
                writer.record(result.student)
            if progress:
                _progress(done, len(chosen), result.student)
        log = "\n".join(writer.errors)
    hold_for_manual_grading(layout, assignment, results)
    scores_from_gradebook(layout, assignment, results)
    for result in results:
        if result.score is None and not result.problems:
            result.problems.append(f"nbgrader recorded no grade: {log or 'see nbgrader log'}")
    return sorted(results, key=lambda r: r.student)


def _progress(done: int, total: int, student: str) -> None:
    width = 30
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    end = "\n" if done == total else ""
    print(f"\rgrading [{bar}] {done}/{total} {student[:20]:<20}", end=end, file=sys.stderr, flush=True)
