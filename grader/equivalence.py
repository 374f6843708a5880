"""Proof that the fast path grades like stock nbgrader: every variant, every graded cell.

``python -m grader equivalence [ASSIGNMENT ...]`` grades each variant of the assignment twice,
with the forking fast path (grader.fastpath) and alone with stock ``nbgrader autograde``, and
compares the per-cell scores: every graded cell, except the tests of exercises that build on a
mutant's exercise (the contract does not judge them, and a racy mutant makes them pass or fail by
chance under stock nbgrader as well). Run it on a new notebook whose cells start servers, threads,
processes or databases; the suite runs it on three such notebooks.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader import cells
from grader.build import generate_scratch_release
from grader.contract import (
    AssignmentReport,
    _Grading,
    _reference_answers,
    _solution_submission,
    _test_sources,
    _users_of,
    collect_exercises,
)
from grader.fastpath import run_fast_path
from grader.layout import CourseLayout
from grader.trials import exercise_dependencies, isolated_trial
from grader.variants import discover_variants


@dataclass
class Equivalence:
    assignment: str
    compared: int = 0  # variants graded both ways
    fallbacks: dict[str, str] = field(default_factory=dict)  # variants the fast path left to stock
    differences: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)  # stock gave no score (the comparison is void)
    cells_compared: int = 0
    #: Tests of exercises built on a mutant's exercise: not judged by the contract, and a racy mutant
    #: (a semaphore that lets two in) makes them pass or fail by chance, in stock nbgrader too.
    cells_skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences and not self.not_graded


def compare_with_stock(layout: CourseLayout, assignment: str) -> Equivalence:
    result = Equivalence(assignment)
    sources = {path.stem: cells.load_notebook(path) for path in layout.source_notebooks(assignment)}
    report = AssignmentReport(assignment)
    exercises = collect_exercises(sources, report)
    variants = [v for v in discover_variants(layout.solutions_dir / assignment) if v.exercise in exercises]
    with tempfile.TemporaryDirectory(prefix=f"eng101-equivalence-{assignment}-") as tmp:
        scratch = generate_scratch_release(layout, assignment, Path(tmp) / "course")
        release_dir = scratch.release_dir(assignment)
        releases = {name: cells.load_notebook(release_dir / f"{name}.ipynb") for name in sources}
        solutions = {name: _solution_submission(releases[name], sources[name]) for name in sources}
        fast = run_fast_path(solutions, sources, {e: x.notebook for e, x in exercises.items()}, variants,
                             release_dir, Path(tmp) / "fast")
        result.fallbacks = {v.label: fast.fallbacks[v.student_id] for v in variants if v.student_id in fast.fallbacks}
        dependencies = exercise_dependencies(_reference_answers(sources), _test_sources(sources, exercises), variants)
        grading = _Grading(scratch, assignment, exercises, solutions, release_dir)
        compared = [v for v in variants if v.student_id in fast.outcomes]
        stock = grading._run({v.student_id: grading.submission(isolated_trial(v)) for v in compared}, report)
        for variant in compared:
            if variant.student_id not in stock:
                result.not_graded.append(variant.label)
                continue
            result.compared += 1
            mine, theirs = fast.outcomes[variant.student_id][0].scores, stock[variant.student_id]
            unjudged = set()
            if variant.kind == "mutant":
                unjudged = {t for e in _users_of(variant.exercise, dependencies) for t in exercises[e].test_ids}
            for cell in sorted(set(mine) | set(theirs)):
                if cell in unjudged:
                    result.cells_skipped += 1
                    continue
                result.cells_compared += 1
                if mine.get(cell) != theirs.get(cell):
                    result.differences.append(
                        f"{variant.label}: {cell} fast path {mine.get(cell)}, stock nbgrader {theirs.get(cell)}"
                    )
    return result
