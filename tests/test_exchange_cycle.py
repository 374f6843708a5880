"""The instructor's whole cycle through an nbgrader exchange, with three students.

release_assignment -> fetch_assignment -> submit -> collect -> grader autograde ->
grader feedback -> release_feedback -> fetch_feedback -> export, with stock nbgrader commands
for everything but grading and feedback, and the exchange in a temporary directory.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import cells
from grader.layout import tool_environment
from grader.nbgrader_cli import NbgraderError, run_nbgrader

from .conftest import REPO_ROOT

pytestmark = pytest.mark.xdist_group("exchange")

ASSIGNMENT, NOTEBOOK = "01_subnets", "subnets"


def run(*args: str, cwd: Path) -> str:
    if args[0] == "nbgrader":  # stock nbgrader's command line, forked with nbgrader imported once
        try:
            return run_nbgrader(list(args[1:]), cwd)
        except NbgraderError as error:
            raise AssertionError(str(error)) from None
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True,
                          env=tool_environment(), check=False)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_full_cycle_with_three_students(tmp_path: Path) -> None:
    root, exchange = tmp_path / "course", tmp_path / "exchange"
    root.mkdir()
    exchange.mkdir()
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root)
    shutil.copytree(REPO_ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("variants"))
    on_exchange = (f"--Exchange.root={exchange}", "--CourseDirectory.course_id=eng101")

    def cache(student: str) -> str:  # each student's own submission cache, as on separate accounts
        return f"--Exchange.cache={tmp_path / 'cache' / student}"

    run("nbgrader", "generate_assignment", ASSIGNMENT, cwd=root)
    run("nbgrader", "release_assignment", ASSIGNMENT, *on_exchange, cwd=root)

    source = json.loads((root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    answers = {cells.grade_id(c): cells.reference_answer(c) for _, c in cells.solution_cells(source)}
    plans = {"alice": set(answers), "bob": {"ip_int_conversion", "prefix_mask_conversion"}, "carol": set()}
    for student, answered in plans.items():
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        run("nbgrader", "fetch_assignment", ASSIGNMENT, *on_exchange, cwd=home)
        path = home / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        notebook = json.loads(path.read_text())
        for exercise in answered:
            cells.find_cell(notebook, exercise)[1]["source"] = answers[exercise]
        path.write_text(json.dumps(notebook))
        run("nbgrader", "submit", ASSIGNMENT, f"--student={student}", *on_exchange, cache(student), cwd=home)

    run("nbgrader", "collect", ASSIGNMENT, *on_exchange, cwd=root)
    assert sorted(p.name for p in (root / "submitted").iterdir()) == sorted(plans)
    run("grader", "autograde", ASSIGNMENT, "--jobs", "2", cwd=root)
    run("grader", "feedback", ASSIGNMENT, cwd=root)
    run("nbgrader", "release_feedback", ASSIGNMENT, *on_exchange, cwd=root)
    for student in plans:
        home = tmp_path / "home" / student
        run("nbgrader", "fetch_feedback", ASSIGNMENT, f"--student={student}", *on_exchange, cache(student),
            cwd=home)
        pages = list((home / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK}.html"))
        assert len(pages) == 1, student
        page = pages[0].read_text()
        assert f"Student <b>{student}</b>" in page and "HIDDEN TESTS" not in page

    run("nbgrader", "export", cwd=root)
    with open(root / "grades.csv", newline="") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert scores["alice"] == 13
    assert 0 < scores["bob"] < 13
    assert scores["carol"] == 0
