"""``grader bench-grading``: stock sequential ``nbgrader autograde`` against ``grader autograde``.

One generated class is graded twice, from identical copies of a scratch course: once by stock
nbgrader (one submission after another, student code with the grader's rights), once by
``python -m grader autograde`` (parallel workers, each submission sandboxed). Both run as
separate commands, start-up included. The class mixes correct, partial (wrong answers taken
from the assignment's mutants), blank and a few broken submissions; the scores of the
well-behaved ones must be identical. Plain execution (nbclient, no grading) of a sample of the
same notebooks gives the baseline the grading overhead is measured against.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import cells
from grader.contract import read_scores
from grader.layout import CourseLayout, tool_environment
from grader.nbgrader_cli import NbgraderError, run_nbgrader
from grader.table import render_table
from grader.variants import discover_variants

#: Broken submissions, each a way a real class breaks a notebook.
BROKEN_KINDS = ("malformed-json", "renamed-notebook", "kernel-exit", "no-notebook")
WELL_BEHAVED = ("correct", "partial", "blank")


@dataclass
class BenchResult:
    assignment: str
    students: dict[str, str]  # student -> kind
    jobs: int
    stock_seconds: float
    grader_seconds: float
    plain_seconds: float  # mean plain execution of one well-behaved submission
    stock_scores: dict[str, float]
    grader_scores: dict[str, float]

    @property
    def ratio(self) -> float:
        return self.stock_seconds / self.grader_seconds

    @property
    def well_behaved(self) -> list[str]:
        return sorted(s for s, kind in self.students.items() if kind in WELL_BEHAVED)

    @property
    def mismatches(self) -> list[str]:
        return [s for s in self.well_behaved if self.stock_scores.get(s) != self.grader_scores.get(s)]


def _prepare_course(layout: CourseLayout, assignment: str, root: Path) -> CourseLayout:
    """A scratch course with the assignment generated (so its gradebook knows it, as after a release)."""
    root.mkdir(parents=True)
    shutil.copy2(layout.root / "nbgrader_config.py", root)
    shutil.copytree(layout.solutions_dir / assignment, root / "solutions" / assignment,
                    ignore=shutil.ignore_patterns("variants", ".ipynb_checkpoints", "__pycache__"))
    run_nbgrader(["generate_assignment", assignment, "--force"], cwd=root)
    return CourseLayout(root)


def _class_kinds(students: int, seed: int) -> dict[str, str]:
    if students < 8:
        raise ValueError("a class needs at least 8 students (correct, partial, blank and broken ones)")
    broken = max(len(BROKEN_KINDS), students // 10)
    kinds = [BROKEN_KINDS[i % len(BROKEN_KINDS)] for i in range(broken)]
    rest = students - broken
    kinds += ["correct"] * (rest * 4 // 9) + ["blank"] * (rest * 2 // 9)
    kinds += ["partial"] * (students - len(kinds))
    random.Random(seed).shuffle(kinds)
    return {f"student-{index + 1:03d}": kind for index, kind in enumerate(kinds)}


def generate_class(layout: CourseLayout, assignment: str, course: CourseLayout, students: int,
                   seed: int = 0) -> dict[str, str]:
    """Write ``students`` submissions into ``course``'s submitted/; return student -> kind."""
    rng = random.Random(seed)
    release_dir = course.release_dir(assignment)
    sources = {path.stem: cells.load_notebook(path) for path in layout.source_notebooks(assignment)}
    mutants: dict[str, list[str]] = {}
    for variant in discover_variants(layout.solutions_dir / assignment):
        if variant.kind == "mutant":
            mutants.setdefault(variant.exercise, []).append(variant.source)
    kinds = _class_kinds(students, seed)
    for student, kind in kinds.items():
        target = course.root / "submitted" / student / assignment
        shutil.copytree(release_dir, target, ignore=shutil.ignore_patterns("*.ipynb"))
        (target / "timestamp.txt").write_text("2026-11-25 09:00:00.000000 UTC\n")
        for name, source in sources.items():
            notebook = cells.load_notebook(release_dir / f"{name}.ipynb")
            for _, cell in cells.solution_cells(source):
                exercise = cells.grade_id(cell) or ""
                answer = cells.reference_answer(cell)
                if kind == "partial" and rng.random() < 0.5 and mutants.get(exercise):
                    answer = rng.choice(mutants[exercise])
                if kind in ("correct", "partial", "renamed-notebook", "kernel-exit"):
                    cells.find_cell(notebook, exercise)[1]["source"] = answer
            if kind == "kernel-exit":
                first = next(cell for _, cell in cells.solution_cells(notebook))
                first["source"] = "import os\nos._exit(1)\n" + cells.source_of(first)
            path = target / f"{name}.ipynb"
            if kind == "malformed-json":
                path.write_text(json.dumps(notebook)[:-200], encoding="utf-8")
            elif kind == "renamed-notebook":
                cells.save_notebook(notebook, target / f"{name} (1).ipynb")
            elif kind != "no-notebook":
                cells.save_notebook(notebook, path)
    return kinds


def plain_execution_seconds(directory: Path, notebooks: list[str]) -> float:
    """Wall time to run a submission's notebooks with nbclient in this process, fresh kernel each, no grading.

    ``NBGRADER_EXECUTION=autograde`` is set as both graders set it, so the notebooks do the same work.
    """
    import nbformat
    from nbclient import NotebookClient

    previous = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        started = time.perf_counter()
        for name in notebooks:
            notebook = nbformat.read(directory / f"{name}.ipynb", as_version=4)
            NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(directory)}}).execute(stderr=subprocess.DEVNULL)
        return time.perf_counter() - started
    finally:
        if previous is None:
            del os.environ["NBGRADER_EXECUTION"]
        else:
            os.environ["NBGRADER_EXECUTION"] = previous


def _timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=tool_environment(),
                               check=False)
    return time.perf_counter() - started, completed


def _totals(course: CourseLayout, assignment: str, students: list[str], notebooks: list[str]) -> dict[str, float]:
    per_cell = read_scores(course.root, assignment, students, notebooks)
    return {student: sum(score for score, _ in cells_.values()) for student, cells_ in per_cell.items()}


def bench_grading(layout: CourseLayout, assignment: str, students: int = 40, jobs: int = 2,
                  plain_sample: int = 5, seed: int = 0, log: Any = print) -> BenchResult:
    notebooks = [path.stem for path in layout.source_notebooks(assignment)]
    with tempfile.TemporaryDirectory(prefix="eng101-bench-grading-") as tmp:
        stock = _prepare_course(layout, assignment, Path(tmp) / "stock")
        kinds = generate_class(layout, assignment, stock, students, seed)
        ours = CourseLayout(Path(tmp) / "grader")
        shutil.copytree(stock.root, ours.root)
        log(f"{assignment}: {students} submissions ({_kind_counts(kinds)}); grading with stock nbgrader ...")

        stock_seconds, completed = _timed([sys.executable, "-m", "nbgrader", "autograde", assignment], stock.root)
        if completed.returncode != 0:
            log(f"  stock nbgrader exited {completed.returncode} (it reports the broken submissions that way)")
        log(f"  stock nbgrader autograde: {stock_seconds:.1f} s; grading with grader autograde --jobs {jobs} ...")
        grader_seconds, completed = _timed(
            [sys.executable, "-m", "grader", "--root", str(ours.root), "autograde", assignment, "--jobs", str(jobs)],
            ours.root,
        )
        log(f"  grader autograde: {grader_seconds:.1f} s; plain execution of {plain_sample} submissions ...")

        sample = [s for s, kind in sorted(kinds.items()) if kind in WELL_BEHAVED][:plain_sample]
        plain_seconds = sum(
            plain_execution_seconds(stock.root / "submitted" / student / assignment, notebooks) for student in sample
        ) / max(len(sample), 1)

        everyone = sorted(kinds)
        return BenchResult(
            assignment, kinds, jobs, stock_seconds, grader_seconds, plain_seconds,
            _totals(stock, assignment, everyone, notebooks), _totals(ours, assignment, everyone, notebooks),
        )


def _kind_counts(kinds: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for kind in kinds.values():
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items(), key=lambda kv: -kv[1]))


def format_bench(result: BenchResult) -> str:
    n = len(result.students)
    stock_each = result.stock_seconds / n
    grader_each = result.grader_seconds / n
    rows = [
        ["plain execution (nbclient, no grading)", "-", f"{result.plain_seconds:.2f}", "-", "-"],
        ["stock nbgrader autograde (sequential)", f"{result.stock_seconds:.1f}", f"{stock_each:.2f}",
         f"{stock_each - result.plain_seconds:+.2f}", "1 core"],
        [f"grader autograde --jobs {result.jobs} (sandboxed)", f"{result.grader_seconds:.1f}", f"{grader_each:.2f}",
         f"{grader_each * result.jobs - result.plain_seconds:+.2f}", f"{result.jobs} cores"],
    ]
    table = render_table(["run", "total s", "s per submission", "overhead s per submission", "cores used"], rows)
    behaved = result.well_behaved
    broken = sorted(set(result.students) - set(behaved))
    lines = [
        table,
        f"speedup: {result.ratio:.2f}x (stock / grader); target on 2 cores: 1.7x",
        f"well-behaved submissions: {len(behaved)}, identical scores: {len(behaved) - len(result.mismatches)}"
        + (f"; MISMATCH: {result.mismatches}" if result.mismatches else ""),
        "broken submissions: " + ", ".join(
            f"{s} ({result.students[s]}: stock {_fmt(result.stock_scores.get(s))}, "
            f"grader {_fmt(result.grader_scores.get(s))})" for s in broken),
        "overhead = time per submission x cores used - plain execution time of one submission "
        "(kernel start-up included in both)",
    ]
    return "\n".join(lines)


def _fmt(score: float | None) -> str:
    return "not graded" if score is None else f"{score:g}"


def run(layout: CourseLayout, assignment: str, students: int, jobs: int) -> int:
    try:
        result = bench_grading(layout, assignment, students, jobs)
    except (NbgraderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_bench(result))
    return 1 if result.mismatches else 0
