"""Any nbgrader course, not only this one: the layout comes from the course's nbgrader_config.py.

nbgrader's own documentation course (source/ps1, release/ps1 and the submissions of bitdiddle and
hacker, shipped inside the nbgrader package) is copied twice at run time, laid out with nbgrader's
defaults; one copy is graded by stock ``nbgrader autograde``, the other by ``python -m grader
autograde``, and every graded cell of every student must get the same score from both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbgrader
import pytest

from grader.cli import main
from grader.layout import NBGRADER_DEFAULTS, CourseLayout, UnknownAssignmentError, tool_environment

from .conftest import REPO_ROOT

USER_GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
ASSIGNMENT, NOTEBOOKS, STUDENTS = "ps1", ("problem1", "problem2"), ("bitdiddle", "hacker")
# A minimal configuration: everything but the course id is nbgrader's default (source/, release/, ...).
CONFIG = 'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "example_course"\n'


def docs_course(root: Path, config: str = CONFIG) -> Path:
    """nbgrader's documentation course, from the installed package, in ``root`` with ``config``."""
    assert (USER_GUIDE / "submitted").is_dir(), f"nbgrader's documentation course is not at {USER_GUIDE}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(config)
    for part in ("source", "release"):
        shutil.copytree(USER_GUIDE / part / ASSIGNMENT, root / part / ASSIGNMENT)
    for student in STUDENTS:
        shutil.copytree(USER_GUIDE / "submitted" / student / ASSIGNMENT, root / "submitted" / student / ASSIGNMENT)
    return root


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=cwd, env=tool_environment(), capture_output=True,
                          text=True, timeout=300)


def _stock(root: Path) -> list[subprocess.CompletedProcess[str]]:
    # --force: the release shipped in release/ps1 would otherwise be skipped, and ps1 never recorded.
    return [_run(["nbgrader", "generate_assignment", ASSIGNMENT, "--force"], root),
            _run(["nbgrader", "autograde", ASSIGNMENT], root)]


Cell = tuple[str, str, str]  # student, notebook, grade id
Graded = tuple[Path, Path, subprocess.CompletedProcess[str]]  # stock copy, grader copy, the grader's run


def cell_scores(root: Path) -> dict[Cell, tuple[float | None, float | None, bool, float]]:
    """Every graded cell of every student: (auto score, manual score, needs manual grade, max)."""
    from nbgrader.api import Gradebook

    layout = CourseLayout(root)
    scores = {}
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for student in STUDENTS:
            submission = gradebook.find_submission(ASSIGNMENT, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[(student, notebook.name, grade.name)] = (
                        grade.auto_score, grade.manual_score, grade.needs_manual_grade, grade.max_score)
    return scores


@pytest.fixture(scope="module")
def graded_twice(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """Both copies graded; stock nbgrader runs beside the grader."""
    stock = docs_course(tmp_path_factory.mktemp("stock-course"))
    ours = docs_course(tmp_path_factory.mktemp("grader-course"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        stock_runs = pool.submit(_stock, stock)
        done = _run(["grader", "autograde", ASSIGNMENT, "--jobs", "2"], ours)
        for run in stock_runs.result():
            assert run.returncode == 0, run.stdout + run.stderr
    return stock, ours, done


@pytest.mark.xdist_group("any_course")
def test_docs_course_graded_cell_by_cell_as_stock(graded_twice: Graded) -> None:
    stock, ours, done = graded_twice
    assert done.returncode == 0, done.stdout + done.stderr
    table = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.strip()}
    assert set(STUDENTS) <= set(table), done.stdout
    expected = cell_scores(stock)
    assert {notebook for _, notebook, _ in expected} == set(NOTEBOOKS)
    assert any(auto for auto, *_ in expected.values()), "stock nbgrader awarded nothing: nothing compared"
    assert any(needs_manual for _, _, needs_manual, _ in expected.values()), "manually graded cells compared too"
    assert cell_scores(ours) == expected
    for student in STUDENTS:  # the totals the table shows are the gradebook's
        total = sum(auto or 0 for (who, _, _), (auto, *_) in expected.items() if who == student)
        assert float(table[student][1]) == total
        for notebook in NOTEBOOKS:
            assert (ours / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb").is_file()
    assert not (ours / "solutions").exists() and not (ours / "course").exists()


@pytest.mark.xdist_group("any_course")
def test_feedback_and_report_find_the_docs_course(graded_twice: Graded, capsys: pytest.CaptureFixture[str]) -> None:
    _, ours, _ = graded_twice
    assert main(["--root", str(ours), "feedback", ASSIGNMENT]) == 0
    for student in STUDENTS:
        for notebook in NOTEBOOKS:
            assert (ours / "feedback" / student / ASSIGNMENT / f"{notebook}.html").is_file()
    assert main(["--root", str(ours), "report", ASSIGNMENT, "--out", str(ours / "report")]) == 0
    assert "2 graded of 2 student(s)" in capsys.readouterr().out
    assert (ours / "report" / "grades.csv").read_text().count(ASSIGNMENT) == len(STUDENTS)


def test_defaults_are_nbgraders() -> None:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory()
    assert {name: getattr(coursedir, name) for name in NBGRADER_DEFAULTS} == NBGRADER_DEFAULTS


def test_layout_of_a_course_on_nbgraders_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = docs_course(tmp_path / "docs")
    layout = CourseLayout.find(root / "submitted" / "hacker" / ASSIGNMENT)
    assert layout == CourseLayout(root)
    assert (layout.source_root, layout.release_root) == (root / "source", root / "release")
    assert layout.assignments() == [ASSIGNMENT] and layout.submitted_students(ASSIGNMENT) == list(STUDENTS)
    assert [p.stem for p in layout.source_notebooks(ASSIGNMENT)] == list(NOTEBOOKS)
    assert layout.db_url == f"sqlite:///{root / 'gradebook.db'}" and layout.course_id == "example_course"
    with pytest.raises(UnknownAssignmentError, match="unknown assignment\\(s\\): ps9; known: ps1$"):
        layout.resolve(["ps9"])
    assert main(["--root", str(root), "autograde", "ps9"]) == 2
    assert "unknown assignment(s): ps9; known: ps1" in capsys.readouterr().err


def test_this_repository_keeps_solutions_and_course() -> None:
    layout = CourseLayout.find(REPO_ROOT / "tests")
    assert layout.root == REPO_ROOT
    assert (layout.solutions_dir, layout.course_dir) == (REPO_ROOT / "solutions", REPO_ROOT / "course")
    assert layout.release_dir("00_welcome") == REPO_ROOT / "course" / "00_welcome"
    assert "00_welcome" in layout.assignments() and (layout.course_id, layout.db_url) == (
        "eng101", f"sqlite:///{REPO_ROOT / 'gradebook.db'}")


def test_configured_names_structure_and_root(tmp_path: Path) -> None:
    """Every directory, the directory structure and the root are the config's, as stock nbgrader reads them."""
    root = tmp_path / "course-data"
    config = tmp_path / "config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.source_directory = 'instructor'\n"
        "c.CourseDirectory.release_directory = 'handout'\n"
        "c.CourseDirectory.submitted_directory = 'inbox'\n"
        "c.CourseDirectory.autograded_directory = 'marked'\n"
        "c.CourseDirectory.feedback_directory = 'returned'\n"
        "c.CourseDirectory.directory_structure = '{nbgrader_step}/{assignment_id}/{student_id}'\n"
        "c.CourseDirectory.ignore.append('drafts')\n"
    )
    for path in ("instructor/ps1", "instructor/empty", "instructor/drafts", "inbox/ps1/hacker", "inbox/ps1/bitdiddle",
                 "inbox/ps2/eve"):
        (root / path).mkdir(parents=True, exist_ok=True)
    for assignment in ("ps1", "drafts"):
        (root / "instructor" / assignment / "problem1.ipynb").write_text("{}")
    layout = CourseLayout.find(config)
    assert (layout.root, layout.config_file) == (root, config / "nbgrader_config.py")
    assert layout.assignments() == ["ps1"]
    assert layout.submitted_students("ps1") == ["bitdiddle", "hacker"]
    assert layout.release_dir("ps1") == root / "handout" / "ps1"
    assert layout.autograded_dir("hacker", "ps1") == root / "marked" / "ps1" / "hacker"
    assert layout.feedback_dir("hacker", "ps1") == root / "returned" / "ps1" / "hacker"
    assert layout.path(str(tmp_path / "staging"), "eve", "ps2") == tmp_path / "staging" / "ps2" / "eve"
    assert layout.db_url == f"sqlite:///{root / 'gradebook.db'}"
    coursedir = layout.coursedir()  # nbgrader's own paths agree
    assert layout.source_dir("ps1") == Path(os.path.normpath(coursedir.format_path("instructor", ".", "ps1")))
    assert layout.submission_dir("eve", "ps2") == Path(coursedir.format_path("inbox", "eve", "ps2"))


def test_instructor_state_outside_the_root_is_hidden_from_the_kernel(tmp_path: Path) -> None:
    """A config may keep solutions or the gradebook outside the course root: the sandbox empties those too."""
    from grader.sandbox import Policy, kernel_command

    root, elsewhere = tmp_path / "course", tmp_path / "vault"
    (root / "source").mkdir(parents=True)
    (elsewhere / "solutions").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.source_directory = {str(elsewhere / 'solutions')!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{elsewhere / 'grades' / 'gradebook.db'}'\n"
    )
    layout = CourseLayout.find(root)
    hidden = layout.instructor_paths()
    assert {root, elsewhere / "solutions", elsewhere / "grades"} <= set(hidden)
    argv, _ = kernel_command(Policy(), tmp_path / "work", tmp_path / "conn", root, None, hidden=tuple(hidden))
    emptied = {argv[i + 1] for i, part in enumerate(argv) if part == "--tmpfs"}
    assert str(elsewhere / "solutions") in emptied or "--tmpfs" not in argv  # (no bubblewrap: no mounts)
