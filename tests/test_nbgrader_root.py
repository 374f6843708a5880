"""Stock nbgrader commands work from the course root with no extra flags.

generate_assignment -> (a student's copy in submitted/) -> autograde ->
generate_feedback -> export, plus validate, exactly as an instructor types them.
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
from grader.layout import CourseLayout, tool_environment

ASSIGNMENT = "00_welcome"

# One worker builds and grades the scratch course once for the tests that share it.
pytestmark = pytest.mark.xdist_group("stock_nbgrader")


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True,
                          text=True, env=tool_environment(), check=False)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import REPO_ROOT

    root = tmp_path_factory.mktemp("course-root")
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root)
    shutil.copytree(REPO_ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    done = nbgrader("generate_assignment", ASSIGNMENT, cwd=root)
    assert done.returncode == 0, done.stderr
    release = root / "course" / ASSIGNMENT / "welcome.ipynb"
    assert release.exists() and not (root / "course" / ASSIGNMENT / "variants").exists()

    source = json.loads((root / "solutions" / ASSIGNMENT / "welcome.ipynb").read_text())
    answer = cells.reference_answer(cells.find_cell(source, "count_nines")[1])
    for student, filled in (("alice", True), ("bob", False)):
        notebook = json.loads(release.read_text())
        if filled:
            cells.find_cell(notebook, "count_nines")[1]["source"] = answer
        target = root / "submitted" / student / ASSIGNMENT / "welcome.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook))
    for command in (("autograde", ASSIGNMENT), ("generate_feedback", ASSIGNMENT), ("export",)):
        done = nbgrader(*command, cwd=root)
        assert done.returncode == 0, f"nbgrader {command}: {done.stderr[-2000:]}"
    return root


def test_export_has_the_scores_autograde_gave(graded_course: Path) -> None:
    with open(graded_course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) == 3
    assert float(rows["bob"]["score"]) == 0


def test_feedback_is_generated_per_student(graded_course: Path) -> None:
    for student in ("alice", "bob"):
        assert (graded_course / "feedback" / student / ASSIGNMENT / "welcome.html").exists()


def test_validate_tells_the_student_what_fails(repo_layout: CourseLayout, tmp_path: Path) -> None:
    student_copy = tmp_path / "welcome.ipynb"
    shutil.copy2(repo_layout.release_dir(ASSIGNMENT) / "welcome.ipynb", student_copy)
    done = nbgrader("validate", str(student_copy), cwd=tmp_path)
    assert "NotImplementedError" in done.stdout + done.stderr
    notebook = json.loads(student_copy.read_text())
    source = json.loads((repo_layout.solutions_dir / ASSIGNMENT / "welcome.ipynb").read_text())
    cells.find_cell(notebook, "count_nines")[1]["source"] = cells.reference_answer(
        cells.find_cell(source, "count_nines")[1])
    student_copy.write_text(json.dumps(notebook))
    done = nbgrader("validate", str(student_copy), cwd=tmp_path)
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout + done.stderr
