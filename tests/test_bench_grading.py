"""``grader bench-grading``'s generated class: the right mix, really broken where it should be."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import cells
from grader.bench_grading import BenchResult, _class_kinds, format_bench, generate_class
from grader.layout import CourseLayout

from .conftest import REPO_ROOT

ASSIGNMENT = "01_subnets"


def test_class_mix_has_every_kind_and_is_seeded() -> None:
    kinds = _class_kinds(40, seed=1)
    assert len(kinds) == 40 and set(kinds.values()) >= {"correct", "partial", "blank", "malformed-json",
                                                       "renamed-notebook", "kernel-exit", "no-notebook"}
    assert _class_kinds(40, seed=1) == kinds and _class_kinds(40, seed=2) != kinds
    with pytest.raises(ValueError):
        _class_kinds(5, seed=0)


def test_generated_submissions_are_what_their_kind_says(tmp_path: Path) -> None:
    layout = CourseLayout(REPO_ROOT)
    course = CourseLayout(tmp_path)
    shutil.copytree(REPO_ROOT / "course" / ASSIGNMENT, course.release_dir(ASSIGNMENT))
    kinds = generate_class(layout, ASSIGNMENT, course, 20, seed=3)
    release = cells.load_notebook(course.release_dir(ASSIGNMENT) / "subnets.ipynb")
    source = cells.load_notebook(layout.solutions_dir / ASSIGNMENT / "subnets.ipynb")
    reference = {cells.grade_id(c): cells.reference_answer(c) for _, c in cells.solution_cells(source)}
    stub = {cells.grade_id(c): cells.source_of(c) for _, c in cells.solution_cells(release)}
    partial_answers: set[str] = set()
    for student, kind in kinds.items():
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        path = folder / "subnets.ipynb"
        if kind == "malformed-json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(path.read_text())
            continue
        if kind in ("renamed-notebook", "no-notebook"):
            assert not path.exists()
            assert (folder / "subnets (1).ipynb").exists() == (kind == "renamed-notebook")
            continue
        answers = {cells.grade_id(c): cells.source_of(c) for _, c in cells.solution_cells(cells.load_notebook(path))}
        if kind == "correct":
            assert answers == reference
        elif kind == "blank":
            assert answers == stub
        elif kind == "kernel-exit":
            assert any("os._exit(1)" in answer for answer in answers.values())
        elif kind == "partial":
            assert set(answers.values()) != set(reference.values())
            partial_answers |= {e for e in answers if answers[e] != reference[e]}
    assert partial_answers, "partial submissions carry mutants"


def test_report_states_speedup_overhead_and_mismatches() -> None:
    kinds = {"a": "correct", "b": "blank", "c": "malformed-json"}
    result = BenchResult("x", kinds, 2, stock_seconds=30.0, grader_seconds=12.0, plain_seconds=1.5,
                         stock_scores={"a": 3.0, "b": 0.0}, grader_scores={"a": 3.0, "b": 1.0})
    text = format_bench(result)
    assert "speedup: 2.50x" in text
    assert result.mismatches == ["b"] and "MISMATCH: ['b']" in text
    assert "+8.50" in text  # stock: 30 s / 3 submissions - 1.5 s plain
    assert "+6.50" in text  # grader: 12 s / 3 x 2 cores - 1.5 s plain
    assert "c (malformed-json: stock not graded, grader not graded)" in text
