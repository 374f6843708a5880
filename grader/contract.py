"""The exercise contract of COURSE_DESIGN.md §4, checked for one assignment.

Everything is graded by nbgrader itself: the variants are laid out as student
submissions in a scratch course and stock ``nbgrader autograde`` scores them
into a scratch gradebook, which is then read back through ``nbgrader.api``.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import cells
from grader.build import generate_scratch_release
from grader.cheats import generate_cheats
from grader.execute import errors_of, execute_in_copy, execute_notebook
from grader.fastpath import FastResults, Outcome, run_fast_path
from grader.layout import MEMORY_BUDGET_BYTES, TIME_BUDGET_SECONDS, CourseLayout
from grader.nbgrader_cli import NbgraderError, run_nbgrader
from grader.trials import ROUND_PREFIX, Trial, exercise_dependencies, isolated_trial, plan_trials
from grader.variants import Variant, VariantFormatError, discover_variants

STUDENT_VERSION = "student-version"
REFERENCE = "reference-solution"


@dataclass
class Exercise:
    exercise_id: str
    notebook: str  # notebook name without .ipynb
    points: float = 0.0
    test_ids: list[str] = field(default_factory=list)


@dataclass
class AssignmentReport:
    assignment: str
    exercises: int = 0
    points: float = 0.0
    student_score: float | None = None
    solution_score: float | None = None
    mutants_killed: int = 0
    mutants_total: int = 0
    alts_accepted: int = 0
    alts_total: int = 0
    cheats_scored: int = 0  # generic cheats (grader.cheats) that earned a point: must be 0
    cheats_total: int = 0
    leaks: list[str] = field(default_factory=list)
    out_of_sync: list[str] = field(default_factory=list)
    seconds: float | None = None
    peak_rss_bytes: int | None = None
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trials: int = 0  # stock graded submissions the variants needed (batched where sound)
    records: int = 2  # submissions stock nbgrader graded as the judge of record (student version, reference)
    fast_variants: int = 0  # variants graded by the forking fast path
    stock_variants: int = 0  # variants it handed to stock nbgrader (see fallbacks)
    fallbacks: dict[str, str] = field(default_factory=dict)  # variant label -> why stock graded it
    snapshots: dict[str, str] = field(default_factory=dict)  # variant label -> why it re-ran earlier cells
    repeat: int = 1
    variant_runs: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (good runs, runs)
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    stock_comparison: tuple[int, int] = (0, 0)  # (variants, graded cells) compared with stock nbgrader

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str) -> None:
        self.failures.append(message)


Scores = dict[str, dict[str, tuple[float, float]]]  # student -> grade_id -> (score, max)


def _files_under(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    found = {}
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if path.is_file() and not any(part in {".ipynb_checkpoints", "__pycache__"} for part in relative.parts):
            found[relative.as_posix()] = path
    return found


# --- structure -------------------------------------------------------------------------


def collect_exercises(sources: dict[str, dict[str, Any]], report: AssignmentReport) -> dict[str, Exercise]:
    """Exercises (solution cells) with their test cells; structural problems are failures."""
    exercises: dict[str, Exercise] = {}
    seen_ids: set[str] = set()
    tests: list[tuple[str, str, dict[str, Any]]] = []
    for notebook_name, notebook in sources.items():
        for cell in notebook["cells"]:
            meta = cells.nbgrader_meta(cell)
            if not meta:
                continue
            cell_id = meta.get("grade_id")
            if not cell_id:
                report.fail(f"{notebook_name}: an nbgrader cell has no grade_id")
                continue
            if cell_id in seen_ids:
                report.fail(f"{notebook_name}: grade_id {cell_id!r} is used twice in the assignment")
            seen_ids.add(cell_id)
            if cell.get("cell_type") != "code" and (meta.get("solution") or meta.get("grade")):
                report.fail(f"{notebook_name}: {cell_id!r} is manually graded; exercises here are autograded code")
            elif meta.get("solution") and meta.get("grade"):
                report.fail(f"{notebook_name}: {cell_id!r} is both solution and grade cell; split answer and tests")
            elif meta.get("solution"):
                if cells.PART_SEPARATOR in cell_id:
                    report.fail(f"{notebook_name}: exercise id {cell_id!r} has {cells.PART_SEPARATOR!r}, which "
                                "separates a test cell's part (test_<id>__<part>)")
                if cells.BEGIN_SOLUTION not in cells.source_of(cell):
                    report.fail(f"{notebook_name}: solution cell {cell_id!r} has no '{cells.BEGIN_SOLUTION}'")
                exercises[cell_id] = Exercise(cell_id, notebook_name)
            elif meta.get("grade"):
                tests.append((notebook_name, cell_id, cell))
    for notebook_name, test_id, cell in tests:
        exercise_id = cells.exercise_of_test(test_id)
        exercise = exercises.get(exercise_id or "")
        if exercise is None:
            report.fail(f"{notebook_name}: test cell {test_id!r} names no exercise (expected test_<exercise_id>)")
            continue
        if cells.points(cell) <= 0:
            report.fail(f"{notebook_name}: test cell {test_id!r} is worth no points")
        if cells.BEGIN_HIDDEN not in cells.source_of(cell):
            report.fail(f"{notebook_name}: test cell {test_id!r} has no hidden tests; they decide the grade")
        exercise.test_ids.append(test_id)
        exercise.points += cells.points(cell)
    for exercise in exercises.values():
        if not exercise.test_ids:
            report.fail(f"exercise {exercise.exercise_id!r} has no test cell 'test_{exercise.exercise_id}'")
    return exercises


# --- in sync and leaks -----------------------------------------------------------------


def compare_releases(generated: Path, committed: Path) -> list[str]:
    """Differences between what nbgrader generates and what is committed in course/."""
    if not committed.is_dir():
        return [f"{committed} is missing: run python -m grader build"]
    problems = []
    ours, theirs = _files_under(generated), _files_under(committed)
    for name in sorted(set(ours) - set(theirs)):
        problems.append(f"course is missing {name}")
    for name in sorted(set(theirs) - set(ours)):
        problems.append(f"course has {name}, which the build does not produce")
    for name in sorted(set(ours) & set(theirs)):
        if name.endswith(".ipynb"):
            same = cells.load_notebook(ours[name]) == cells.load_notebook(theirs[name])
        else:
            same = ours[name].read_bytes() == theirs[name].read_bytes()
        if not same:
            problems.append(f"course/{committed.name}/{name} differs from what the build generates (hand-edited?)")
    return problems


def find_leaks(layout: CourseLayout, assignment: str) -> list[str]:
    """Anything instructor-only that reached course/<assignment>."""
    release = layout.release_dir(assignment)
    leaks: list[str] = []
    secrets: set[str] = set()
    for source in layout.source_notebooks(assignment):
        secrets |= cells.secret_lines(cells.load_notebook(source))
    source_files = set(_files_under(layout.solutions_dir / assignment))
    for name, path in sorted(_files_under(release).items()):
        if any(part == "variants" for part in Path(name).parts) or (
            name not in source_files and not name.endswith(".ipynb")
        ):
            leaks.append(f"{name}: not part of the release (instructor-only file?)")
            continue
        if not name.endswith(".ipynb"):
            continue
        notebook = cells.load_notebook(path)
        for index, cell in enumerate(notebook.get("cells", [])):
            source = cells.source_of(cell)
            if cells.ANY_MARKER.search(source):
                leaks.append(f"{name} cell {index}: an nbgrader solution/hidden-test marker")
            revealed = cells.revealed_lines(source, secrets)
            if revealed:
                leaks.append(f"{name} cell {index}: solution or hidden-test text: {sorted(revealed)[0]!r}")
            if cell.get("outputs") or cell.get("execution_count"):
                leaks.append(f"{name} cell {index}: stored outputs (they can reveal answers)")
    return leaks


# --- submissions -----------------------------------------------------------------------


def _solution_submission(release: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """The release notebook with every answer typed in as the reference solution."""
    answers = _reference_answers({"": source})
    submission = copy.deepcopy(release)
    for _, cell in cells.solution_cells(submission):
        cell["source"] = answers[cells.grade_id(cell)]
    return submission


def _with_answer(notebook: dict[str, Any], exercise_id: str, answer: str) -> dict[str, Any]:
    changed = copy.deepcopy(notebook)
    _, cell = cells.find_cell(changed, exercise_id)
    cell["source"] = answer
    return changed


def cell_passes(cell: dict[str, Any]) -> bool:
    """nbgrader's rule: an error or anything on stderr means the test cell failed."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return False
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return False
    return True


def read_scores(course_root: Path, assignment: str, students: list[str], notebooks: list[str]) -> Scores:
    """Per-cell scores of each student as recorded in the (scratch) gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    scores: Scores = {}
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        for student in students:
            try:
                per_cell = {}
                for notebook in notebooks:
                    submitted = gradebook.find_submission_notebook(notebook, assignment, student)
                    for grade in submitted.grades:
                        if grade.auto_score is None and grade.manual_score is None:
                            # nbgrader records the submission before running it; no score
                            # means the run failed (e.g. the kernel died): not graded.
                            raise MissingEntry()
                        per_cell[grade.name] = (float(grade.score), float(grade.max_score))
                scores[student] = per_cell
            except MissingEntry:
                continue
    return scores


def _total(per_cell: dict[str, tuple[float, float]], only: list[str] | None = None) -> tuple[float, float]:
    chosen = [value for name, value in per_cell.items() if only is None or name in only]
    return sum(s for s, _ in chosen), sum(m for _, m in chosen)


# --- the check -------------------------------------------------------------------------


@contextmanager
def _timed(report: AssignmentReport, phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[phase] = report.timings.get(phase, 0.0) + time.perf_counter() - started


def check_assignment(
    layout: CourseLayout, assignment: str, repeat: int = 1, fast: bool = True, against_stock: bool = False,
    *, cheats: bool = True,
) -> AssignmentReport:
    """The contract for one assignment; variants graded ``repeat`` times each.

    Every exercise's generic cheats (grader.cheats) are graded like mutants and must earn zero
    points; ``cheats=False`` leaves them out, for tests of the grader's own machinery only.

    ``against_stock`` also grades every fast-path variant with stock nbgrader (in the same batches
    the stock fallback uses) and fails on any graded cell where the two disagree.

    ``fast`` grades variants with the forking fast path (grader.fastpath) and hands to
    stock nbgrader only those it cannot run safely; the student version and the reference
    are always graded by stock ``nbgrader autograde``.
    """
    report = AssignmentReport(assignment, repeat=repeat)
    source_paths = layout.source_notebooks(assignment)
    sources = {path.stem: cells.load_notebook(path) for path in source_paths}
    exercises = collect_exercises(sources, report)
    report.exercises = len(exercises)
    report.points = sum(exercise.points for exercise in exercises.values())
    try:
        variants = discover_variants(layout.solutions_dir / assignment)
    except VariantFormatError as error:
        report.fail(str(error))
        variants = []
    for variant in variants:
        if variant.exercise not in exercises:
            report.fail(f"{variant.label}: no exercise {variant.exercise!r} in {assignment}")
    variants = [variant for variant in variants if variant.exercise in exercises]
    cheat_answers = [cheat for cheat in generate_cheats(_reference_answers(sources))
                     if cheat.exercise in exercises] if cheats else []
    for exercise_id in exercises:
        kinds = {variant.kind for variant in variants if variant.exercise == exercise_id}
        if "mutant" not in kinds:
            report.fail(f"exercise {exercise_id!r} has no mutant (a plausible wrong answer) in variants/")
        if "alt" not in kinds:
            report.fail(f"exercise {exercise_id!r} has no alternative correct answer in variants/")
    if report.failures and not exercises:
        return report

    with tempfile.TemporaryDirectory(prefix=f"eng101-check-{assignment}-") as tmp:
        scratch_root = Path(tmp)
        with _timed(report, "setup"):
            try:
                scratch = generate_scratch_release(layout, assignment, scratch_root / "course")
            except NbgraderError as error:
                report.fail(f"nbgrader generate_assignment failed: {error}")
                return report
            generated_dir = scratch.release_dir(assignment)
            report.out_of_sync = compare_releases(generated_dir, layout.release_dir(assignment))
            report.failures.extend(f"not in sync: {problem}" for problem in report.out_of_sync)
            report.leaks = find_leaks(layout, assignment)
            report.failures.extend(f"leak: {leak}" for leak in report.leaks)

        if not fast:  # else the fast path's reference run measures it, and stock's shows errors
            with _timed(report, "solution run"):
                _check_solution_runs(layout, assignment, sources, scratch_root / "solution-run", report)
        committed_dir = layout.release_dir(assignment)
        student_dir = committed_dir if committed_dir.is_dir() else generated_dir

        releases = {name: cells.load_notebook(generated_dir / f"{name}.ipynb") for name in sources}
        solutions = {name: _solution_submission(releases[name], sources[name]) for name in sources}
        grading = _Grading(scratch, assignment, exercises, solutions, generated_dir)
        student_version = {name: cells.load_notebook(student_dir / f"{name}.ipynb") for name in sources}

        # The judge of record is stock nbgrader. On the fast path it grades the student version alone:
        # the fast path's reference run grades the reference (nbgrader's own determine_grade on its
        # outputs), and nbval has run the same solution, hidden tests included, in a real kernel.
        report.records = 1 if fast else 2

        def judge_of_record() -> tuple[Scores, list[Trial]]:
            with _timed(report, "stock nbgrader"):
                return grading.autograde(student_version, [], report, reference=not fast)

        # Stock nbgrader grades the student version and the reference while the fast path runs.
        import nbgrader.api  # noqa: F401 - imported here first: importing it in two threads at once fails
        import nbgrader.utils  # noqa: F401 - (a circular import, "partially initialized module")

        with ThreadPoolExecutor(max_workers=1) as pool:
            stock_of_record = pool.submit(judge_of_record)
            with _timed(report, "fast path"):
                if fast:
                    quick = run_fast_path(solutions, sources, {e: x.notebook for e, x in exercises.items()},
                                          variants + cheat_answers, generated_dir, scratch_root / "fast", repeat)
                else:
                    quick = FastResults(fallbacks={v.student_id: "fast path turned off"
                                                   for v in variants + cheat_answers})
            scores, _ = stock_of_record.result()
        by_id = {variant.student_id: variant for variant in variants + cheat_answers}
        report.fallbacks = {by_id[sid].label: why for sid, why in quick.fallbacks.items()}
        report.warnings.extend(quick.errors)
        for name, leftovers in quick.leftovers.items():
            report.fail(f"{name}.ipynb leaves running at its end: {'; '.join(leftovers)} (stop and close what "
                        "the cells start: a student's kernel keeps it, and the grader cannot fork it)")
        # A cheat runs from the same snapshot as its exercise's mutants and alts: said once, for them.
        report.snapshots = {by_id[sid].label: why for sid, why in quick.snapshots.items()
                            if by_id[sid].kind != "cheat"}
        if fast and report.fallbacks:
            report.warnings.append(f"{len(report.fallbacks)} variant(s) graded by stock nbgrader, not the fast "
                                   "path (python -m grader check --timings says why)")
        stock_variants = [variant for variant in variants + cheat_answers if variant.student_id in quick.fallbacks]
        stock_count = sum(1 for variant in stock_variants if variant.kind != "cheat")
        report.fast_variants, report.stock_variants = len(variants) - stock_count, stock_count
        dependencies = exercise_dependencies(
            _reference_answers(sources), _test_sources(sources, exercises), stock_variants
        )
        planned = plan_trials(stock_variants, dependencies)
        report.trials = len(planned) * repeat
        outcomes: dict[str, list[Outcome]] = dict(quick.outcomes)
        with _timed(report, "stock nbgrader"):
            for run in range(repeat if planned else 0):
                more, more_trials = grading.autograde_trials(planned, report, suffix=f"--run{run}" if run else "")
                _collect_stock(grading, more, more_trials, outcomes)
        with _timed(report, "visible tests"):
            unsure = [by_id[sid] for sid, runs in outcomes.items()
                      if by_id[sid].kind == "mutant" and any(run.visible_passed is None for run in runs)]
            passed = grading.visible_tests([isolated_trial(v) for v in unsure], scratch_root / "visible")
            for sid, verdict in passed.items():
                for run in outcomes.get(sid, []):
                    if run.visible_passed is None:
                        run.visible_passed = verdict
        if fast:
            if quick.reference:
                scores[REFERENCE] = quick.reference
            else:
                report.fail("the fast path did not grade the reference: " + ("; ".join(quick.errors) or "no result"))
            for error in quick.reference_errors:
                report.fail(f"solution {error}")
            _record_budget(report, quick.reference_seconds, quick.peak_rss_bytes)
        all_dependencies = exercise_dependencies(
            _reference_answers(sources), _test_sources(sources, exercises), variants
        )
        _judge(report, exercises, variants, scores, outcomes, all_dependencies)
        _judge_cheats(report, exercises, cheat_answers, outcomes)
        if cheats:
            with _timed(report, "guarded cheat"):
                _check_patching_cheat(report, source_paths, _reference_answers(sources), layout.root)
        with _timed(report, "guarded reference"):
            _check_reference_in_guarded_kernel(report, source_paths, generated_dir, layout.root)
        if fast and against_stock:
            with _timed(report, "stock nbgrader"):
                _compare_with_stock(report, grading, exercises, variants, quick, all_dependencies)
        graded_student_dir = scratch.root / "autograded" / STUDENT_VERSION / assignment
        _check_student_version_runs(graded_student_dir, sources, report)
    return report


def _collect_stock(
    grading: _Grading, scores: Scores, trials: list[Trial], outcomes: dict[str, list[Outcome]]
) -> None:
    """Outcomes of stock-graded trials, per variant, with the visible verdict read off the run."""
    verdicts, unsure = grading.visible_verdicts(trials)
    unsure_ids = {variant.student_id for trial in unsure for variant in trial.variants}
    for trial in trials:
        if trial.student_id not in scores:
            continue
        for variant in trial.variants:
            sid = variant.student_id
            visible = None if sid in unsure_ids else verdicts.get(sid, variant.kind != "mutant")
            outcomes.setdefault(sid, []).append(
                Outcome(scores[trial.student_id], visible, isolated=trial.isolated)
            )


def _compare_with_stock(
    report: AssignmentReport, grading: _Grading, exercises: dict[str, Exercise], variants: list[Variant],
    quick: FastResults, dependencies: dict[str, set[str]],
) -> None:
    """Grade the fast path's variants with stock nbgrader too; every graded cell must agree.

    Stock grades them in batches (never two exercises where one uses the other), so each cell is
    compared with the fast run of the variant it sees in that batch — its own exercise's, or that of
    an exercise it builds on — or with the fast path's reference run when it sees none. The tests of
    exercises built on a mutant's exercise are not compared: the contract does not judge them, and a
    racy mutant makes them pass or fail by chance under stock nbgrader too.
    """
    compared = [v for v in variants if v.student_id in quick.outcomes]
    planned = plan_trials(compared, {e: uses for e, uses in dependencies.items()})
    scores, trials = grading.autograde_trials(planned, report, suffix="--stock")
    owner = {test_id: exercise.exercise_id for exercise in exercises.values() for test_id in exercise.test_ids}
    cells_compared = 0
    for trial in trials:
        stock = scores.get(trial.student_id)
        if stock is None:
            report.fail(f"stock nbgrader could not grade {trial.student_id} to compare with the fast path")
            continue
        users = {v.student_id: _users_of(v.exercise, dependencies) for v in trial.variants}
        for cell, value in sorted(stock.items()):
            exercise = owner.get(cell, "")
            # The variant this cell sees: its own exercise's, or the one of an exercise it builds on.
            affecting = [v for v in trial.variants if v.exercise == exercise or exercise in users[v.student_id]]
            if len(affecting) > 1 or (affecting and affecting[0].exercise != exercise
                                      and affecting[0].kind == "mutant"):
                continue  # built on two variants at once, or on a mutant: not judged
            variant = affecting[0] if affecting else None
            fast = quick.outcomes[variant.student_id][0].scores.get(cell) if variant else quick.reference.get(cell)
            cells_compared += 1
            if fast != value:
                who = variant.label if variant else f"the reference (in {trial.student_id})"
                report.fail(f"the fast path disagrees with stock nbgrader: {who}, {cell}: fast {fast}, stock {value}")
    report.stock_comparison = (len(compared), cells_compared)


def _record_budget(report: AssignmentReport, seconds: float, peak: int) -> None:
    report.seconds, report.peak_rss_bytes = seconds, peak
    if peak > MEMORY_BUDGET_BYTES:
        report.fail(f"peak memory {peak / 2**20:.0f} MiB is over the {MEMORY_BUDGET_BYTES / 2**20:.0f} MiB budget")
    if seconds > TIME_BUDGET_SECONDS:
        report.warnings.append(f"ran {seconds:.1f} s, over the {TIME_BUDGET_SECONDS:.0f} s budget (see grader bench)")


def _check_solution_runs(
    layout: CourseLayout, assignment: str, sources: dict[str, Any], scratch: Path, report: AssignmentReport
) -> None:
    seconds, peak = 0.0, 0
    for name in sources:
        result = execute_in_copy(layout.solutions_dir / assignment, name, scratch)
        seconds += result.seconds
        peak = max(peak, result.peak_rss_bytes)
        for error in result.errors:
            report.fail(f"solution {name}.ipynb cell {error.index} raised {error.ename}: {error.evalue}")
    _record_budget(report, seconds, peak)


def _check_student_version_runs(graded_dir: Path, sources: dict[str, Any], report: AssignmentReport) -> None:
    """Only exercise stubs (NotImplementedError) and their test cells may fail in the student version.

    Read from nbgrader's own run of the unmodified student version (its autograded copy).
    """
    for name in sources:
        path = graded_dir / f"{name}.ipynb"
        if not path.exists():
            report.fail(f"nbgrader did not run the student version of {name}.ipynb")
            continue
        notebook = cells.load_notebook(path)
        for error in errors_of(notebook):
            cell = notebook["cells"][error.index]
            if cells.is_grade_cell(cell):
                continue
            if cells.is_solution_cell(cell) and error.ename == "NotImplementedError":
                continue
            report.fail(
                f"student version {name}.ipynb cell {error.index} ({error.source_head!r}) raised "
                f"{error.ename}: {error.evalue}; only exercise stubs may fail"
            )


def _reference_answers(sources: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {
        cells.grade_id(cell) or "": cells.reference_answer(cell)
        for notebook in sources.values()
        for _, cell in cells.solution_cells(notebook)
    }


def _test_sources(sources: dict[str, dict[str, Any]], exercises: dict[str, Exercise]) -> dict[str, str]:
    by_id = {cells.grade_id(cell): cells.source_of(cell) for nb in sources.values() for _, cell in cells.test_cells(nb)}
    return {ex.exercise_id: "\n".join(by_id[t] for t in ex.test_ids) for ex in exercises.values()}


#: Errors that say the kernel, not the answer, failed: a batched trial showing one is re-graded alone.
CRASHES = {"DeadKernelError", "CellTimeoutError", "TimeoutError"}


@dataclass
class _Grading:
    """Lays out trials as nbgrader submissions in the scratch course and grades them."""

    scratch: CourseLayout
    assignment: str
    exercises: dict[str, Exercise]
    solutions: dict[str, dict[str, Any]]
    release_dir: Path

    def submission(self, trial: Trial) -> dict[str, dict[str, Any]]:
        notebooks = dict(self.solutions)
        for variant in trial.variants:
            name = self.exercises[variant.exercise].notebook
            notebooks[name] = _with_answer(notebooks[name], variant.exercise, variant.source)
        return notebooks

    def visible_verdicts(self, trials: list[Trial]) -> tuple[dict[str, bool], list[Trial]]:
        """Did each mutant pass the visible tests? Read off its graded run where that is certain.

        A graded test cell holds the visible asserts, then the hidden tests; the line an
        error was raised on tells which part failed. Where that cannot be told (output on
        stderr, no line number, a crash) or a batched mutant seems to fail the visible part,
        the mutant is returned for a real run of the student's visible tests.
        """
        passed: dict[str, bool] = {}
        unsure: list[Trial] = []
        for trial in trials:
            graded = self._graded_notebooks(trial)
            for variant in trial.variants:
                if variant.kind != "mutant":
                    continue
                exercise = self.exercises[variant.exercise]
                verdicts = [
                    visible_part_passed(cells.find_cell(graded[exercise.notebook], test_id)[1])
                    if exercise.notebook in graded else None
                    for test_id in exercise.test_ids
                ]
                if all(verdict is True for verdict in verdicts):
                    passed[variant.student_id] = True
                elif trial.isolated and None not in verdicts:
                    passed[variant.student_id] = False
                else:
                    unsure.append(isolated_trial(variant))
        return passed, unsure

    def _graded_notebooks(self, trial: Trial) -> dict[str, dict[str, Any]]:
        directory = self.scratch.root / "autograded" / trial.student_id / self.assignment
        return {name: cells.load_notebook(directory / f"{name}.ipynb")
                for name in self.solutions if (directory / f"{name}.ipynb").exists()}

    def visible_tests(self, trials: list[Trial], workdir: Path) -> dict[str, bool]:
        """Does each mutant pass the tests the student can see? (Else it proves nothing.)

        The release has no hidden tests, so running it is exactly the student's self-check.
        A mutant failing in a batched run is re-run alone before it is blamed.
        """
        passed: dict[str, bool] = {}
        pending = list(trials)
        while pending:
            trial = pending.pop(0)
            directory = workdir / trial.student_id
            shutil.copytree(self.release_dir, directory, ignore=shutil.ignore_patterns("*.ipynb"))
            results: dict[str, dict[str, Any]] = {}
            for name, notebook in self.submission(trial).items():
                cells.save_notebook(notebook, directory / f"{name}.ipynb")
                path = directory / f"{name}.ipynb"
                results[name] = execute_notebook(path, cwd=directory, nbgrader_execution="validate").notebook
            for variant in trial.variants:
                exercise = self.exercises[variant.exercise]
                ok = all(cell_passes(cells.find_cell(results[exercise.notebook], test_id)[1])
                         for test_id in exercise.test_ids)
                if not ok and not trial.isolated:
                    pending.append(isolated_trial(variant))
                else:
                    passed[variant.student_id] = ok
        return passed

    def autograde(
        self, student_version: dict[str, dict[str, Any]], trials: list[Trial], report: AssignmentReport,
        reference: bool = True,
    ) -> tuple[Scores, list[Trial]]:
        """Grade the student version, the reference (unless not asked) and every trial; crashed batches alone."""
        submissions = {STUDENT_VERSION: student_version} | ({REFERENCE: self.solutions} if reference else {})
        submissions |= {trial.student_id: self.submission(trial) for trial in trials}
        scores = self._run(submissions, report)
        suspects = [t for t in trials if not t.isolated and (t.student_id not in scores or self._crashed(t))]
        if suspects:
            retries = [isolated_trial(v) for trial in suspects for v in trial.variants]
            scores |= self._run({t.student_id: self.submission(t) for t in retries}, report)
            trials = [t for t in trials if t not in suspects] + retries
        return scores, trials

    def autograde_trials(
        self, trials: list[Trial], report: AssignmentReport, suffix: str
    ) -> tuple[Scores, list[Trial]]:
        """Grade the trials again under new student ids (``--repeat``); crashed batches alone."""
        renamed = [Trial(trial.student_id + suffix, trial.variants) for trial in trials]
        scores = self._run({t.student_id: self.submission(t) for t in renamed}, report)
        suspects = [t for t in renamed if not t.isolated and (t.student_id not in scores or self._crashed(t))]
        if suspects:
            retries = [Trial(v.student_id + suffix, (v,)) for trial in suspects for v in trial.variants]
            scores |= self._run({t.student_id: self.submission(t) for t in retries}, report)
            renamed = [t for t in renamed if t not in suspects] + retries
        return scores, renamed

    def _run(self, submissions: dict[str, dict[str, dict[str, Any]]], report: AssignmentReport) -> Scores:
        for student, notebooks in submissions.items():
            target = self.scratch.root / "submitted" / student / self.assignment
            shutil.copytree(self.release_dir, target, ignore=shutil.ignore_patterns("*.ipynb"))
            for name, notebook in notebooks.items():
                cells.save_notebook(notebook, target / f"{name}.ipynb")
        try:
            log = run_nbgrader(["autograde", self.assignment], cwd=self.scratch.root)
        except NbgraderError as error:
            log = error.log or str(error)
        scores = read_scores(self.scratch.root, self.assignment, list(submissions), sorted(self.solutions))
        for student in submissions:
            if student not in scores and not student.startswith(ROUND_PREFIX) and "--run" not in student:
                report.fail(f"nbgrader could not grade {student} ({_why_not_graded(log, student)}); "
                            "a variant must fail by its tests, not crash the grader")
        return scores

    def _crashed(self, trial: Trial) -> bool:
        for name in self.solutions:
            path = self.scratch.root / "autograded" / trial.student_id / self.assignment / f"{name}.ipynb"
            if not path.exists():
                return True
            for cell in cells.load_notebook(path)["cells"]:
                for output in cell.get("outputs", []):
                    if output.get("output_type") != "error":
                        continue
                    outside_exercises = not (cells.is_grade_cell(cell) or cells.is_solution_cell(cell))
                    if output.get("ename") in CRASHES or outside_exercises:
                        return True
        return False


HIDDEN_TESTS_BEGIN = "### BEGIN HIDDEN TESTS"
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def visible_part_passed(cell: dict[str, Any]) -> bool | None:
    """Of an autograded test cell: did every line before the hidden tests run without error?

    None when the outputs cannot tell: the cell did not run, wrote to stderr (which fails a
    test cell wherever it came from), or its error carries no line of the cell itself.
    ipykernel prints the outermost frame first, so the first ``Cell In[n], line k`` is the
    line of the test cell that was running.
    """
    if cell.get("execution_count") is None:
        return None
    outputs = cell.get("outputs", [])
    if any(output.get("output_type") == "stream" and output.get("name") == "stderr" for output in outputs):
        return None
    errors = [output for output in outputs if output.get("output_type") == "error"]
    if not errors:
        return True
    lines = cells.source_of(cell).splitlines()
    hidden_from = next((n for n, line in enumerate(lines, 1) if line.strip() == HIDDEN_TESTS_BEGIN), None)
    match = _CELL_LINE.search(_ANSI_ESCAPE.sub("", "\n".join(errors[0].get("traceback", []))))
    if len(errors) != 1 or hidden_from is None or match is None:
        return None
    return int(match.group(1)) > hidden_from


def _why_not_graded(log: str, student: str) -> str:
    """The first error nbgrader logged while grading ``student``."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if f"/{student}/" in line or f"'{student}'" in line:
            for later in lines[index:]:
                if "/submitted/" in later and f"/{student}/" not in later:
                    break  # nbgrader moved on to the next student
                if "DeadKernelError" in later:
                    return "the kernel died"
                if "CellTimeoutError" in later or "TimeoutError" in later:
                    return "a cell timed out"
    errors = [line.strip() for line in lines if "ERROR" in line and student in line]
    return errors[0] if errors else "no grade in the gradebook; see nbgrader's log"


def _users_of(exercise: str, dependencies: dict[str, set[str]]) -> set[str]:
    """The exercises that use ``exercise``'s names, directly or through another exercise."""
    users: set[str] = set()
    frontier = {exercise}
    while frontier:
        found = {e for e, uses in dependencies.items() if uses & frontier and e not in users}
        users |= found
        frontier = found
    return users - {exercise}


def _check_patching_cheat(report: AssignmentReport, source_paths: list[Path], references: dict[str, str],
                          course_root: Path) -> None:
    """The cheat no test can resist by itself (patching the course's helpers and builtins, with an
    always-equal answer to every exercise) must earn nothing in the guarded kernel of autograde."""
    from grader.patching_cheat import grade_patching_cheat

    for path in source_paths:
        outcome = grade_patching_cheat(path, references, course_root)
        report.cheats_total += 1
        if outcome.earned:
            report.cheats_scored += 1
            report.fail(f"the helper-patching cheat (grader/patching_cheat.py) passed {', '.join(outcome.earned)} "
                        f"of {path.name} in the guarded kernel: {'; '.join(outcome.notes) or 'no reason recorded'}")


def _check_reference_in_guarded_kernel(report: AssignmentReport, source_paths: list[Path], release_dir: Path,
                                       course_root: Path) -> None:
    """The reference must earn every point in the guarded kernel of ``grader autograde`` too: a
    library the guard refuses (Hypothesis's @given was) would fail every student of a real class."""
    from grader.patching_cheat import reference_lost_in_guarded_kernel

    for path in source_paths:
        lost = reference_lost_in_guarded_kernel(path, release_dir / path.name, course_root)
        if lost:
            report.fail(f"the reference of {path.name} does not earn full marks in grader autograde's guarded "
                        f"kernel: {'; '.join(lost)}")


def _judge_cheats(
    report: AssignmentReport, exercises: dict[str, Exercise], cheats: list[Variant], outcomes: dict[str, list[Outcome]]
) -> None:
    """A generic cheat must earn zero points on every test cell of its exercise, in every run."""
    for cheat in cheats:
        report.cheats_total += 1
        runs = outcomes.get(cheat.student_id, [])
        if not runs:
            continue  # not graded: _run has recorded why
        scored = [(test_id, run.scores[test_id]) for run in runs for test_id in exercises[cheat.exercise].test_ids
                  if run.scores.get(test_id, (0.0, 0.0))[0] > 0]
        clean_runs = sum(1 for run in runs if all(run.scores.get(t, (0.0, 0.0))[0] == 0
                                                   for t in exercises[cheat.exercise].test_ids))
        report.variant_runs[cheat.label] = (clean_runs, len(runs))
        if not scored:
            continue
        report.cheats_scored += 1
        test_id, (score, maximum) = scored[0]
        runs_note = f" in {len(runs) - clean_runs} of {len(runs)} runs" if len(runs) > 1 else ""
        report.fail(
            f"cheat {cheat.name} scored {score:g}/{maximum:g} on {test_id}{runs_note} ({cheat.label}: {cheat.why}); "
            "check exact result types before comparing (docs/authoring.md, Generic cheats; "
            f"python -m grader.cheats show solutions/{report.assignment} {cheat.exercise} {cheat.name})"
        )


def _judge(
    report: AssignmentReport,
    exercises: dict[str, Exercise],
    variants: list[Variant],
    scores: Scores,
    outcomes: dict[str, list[Outcome]],
    dependencies: dict[str, set[str]],
) -> None:
    if STUDENT_VERSION in scores:
        report.student_score, _ = _total(scores[STUDENT_VERSION])
        if report.student_score != 0:
            report.fail(f"the unmodified student version scores {report.student_score:g} (must be 0)")
    if REFERENCE in scores:
        report.solution_score, maximum = _total(scores[REFERENCE])
        if report.solution_score != report.points or maximum != report.points:
            lost = [name for name, (s, m) in scores[REFERENCE].items() if s < m]
            report.fail(f"the reference solution scores {report.solution_score:g}/{report.points:g}; lost: {lost}")
    for variant in variants:
        if variant.kind == "mutant":
            report.mutants_total += 1
        else:
            report.alts_total += 1
        runs = outcomes.get(variant.student_id, [])
        if not runs:
            continue  # not graded: _run has recorded why
        test_ids = exercises[variant.exercise].test_ids
        if variant.kind == "mutant":
            if any(run.visible_passed is not True for run in runs):
                report.fail(
                    f"{variant.label} fails the visible tests; a mutant must pass them to show "
                    "that the hidden tests catch what the visible ones miss"
                )
                continue
            killed = sum(1 for run in runs if _total(run.scores, test_ids)[0] < _total(run.scores, test_ids)[1])
            report.variant_runs[variant.label] = (killed, len(runs))
            if killed == len(runs):
                report.mutants_killed += 1
            elif killed == 0:
                report.fail(f"{variant.label} scores full marks: the hidden tests miss it ({variant.why})")
            else:
                report.fail(f"{variant.label} is killed in only {killed} of {len(runs)} runs: a race left "
                            f"to chance; force the interleaving in the hidden tests ({variant.why})")
        else:
            # An alternative must earn full marks on its own tests and leave every exercise that does
            # not build on it whole. Exercises that build on it run their reference answers against
            # it, and those may rely on the reference's private names (a subclass): not judged here.
            # Cells the reference itself loses are reported as the reference's failure, not the alt's.
            users = _users_of(variant.exercise, dependencies)
            reference = scores.get(REFERENCE, {})
            judged = [t for e, x in exercises.items() if e not in users for t in x.test_ids
                      if t not in reference or reference[t][0] == reference[t][1]]
            lost_runs = []
            for run in runs:
                got, maximum = _total(run.scores, test_ids)
                total, full = _total(run.scores, judged)
                if not (got == maximum and (not run.isolated or total == full)):
                    lost_runs.append([name for name, (s, m) in run.scores.items() if s < m])
            report.variant_runs[variant.label] = (len(runs) - len(lost_runs), len(runs))
            if lost_runs:
                report.fail(f"{variant.label} is correct but loses points in {len(lost_runs)} of "
                            f"{len(runs)} runs; lost: {lost_runs[0]}")
            else:
                report.alts_accepted += 1
