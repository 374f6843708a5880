"""Unit tests of the grader's pieces (no notebook execution)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from grader import cells
from grader.cli import format_check_table, main
from grader.contract import AssignmentReport, cell_passes, compare_releases
from grader.layout import IGNORED, CourseLayout, UnknownAssignmentError
from grader.table import render_table
from grader.variants import VariantFormatError, discover_variants

from .conftest import REPO_ROOT

SOLUTION_CELL = {
    "cell_type": "code",
    "metadata": {"nbgrader": {"solution": True, "grade": False, "grade_id": "f"}},
    "source": 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    secret_value = x * 42 + 7\n'
              "    return secret_value\n    ### END SOLUTION\n",
}
TEST_CELL = {
    "cell_type": "code",
    "metadata": {"nbgrader": {"solution": False, "grade": True, "grade_id": "test_f", "points": 2}},
    "source": "assert f(0) == 7\n### BEGIN HIDDEN TESTS\nassert f(1) == 49, 'hidden check of f(1)'\n"
              "### END HIDDEN TESTS\n",
}


def test_reference_answer_drops_only_the_markers() -> None:
    answer = cells.reference_answer(SOLUTION_CELL)
    assert "BEGIN" not in answer and "END" not in answer
    namespace: dict = {}
    exec(answer, namespace)
    assert namespace["f"](1) == 49


def test_secret_lines_are_the_ones_only_in_hidden_regions() -> None:
    notebook = {"cells": [SOLUTION_CELL, TEST_CELL, {"cell_type": "code", "metadata": {},
                                                      "source": "return secret_value"}]}
    secrets = cells.secret_lines(notebook)
    assert "secret_value = x * 42 + 7" in secrets
    assert "assert f(1) == 49, 'hidden check of f(1)'" in secrets
    assert "return secret_value" not in secrets  # also public, and short


def test_exercise_of_test() -> None:
    assert cells.exercise_of_test("test_ip_to_int") == "ip_to_int"
    assert cells.exercise_of_test("test_ip_to_int__all_mutants") == "ip_to_int"  # a second cell, credit in steps
    assert cells.exercise_of_test("ip_to_int") is None


def test_marker_detection_tolerates_spelling() -> None:
    assert cells.ANY_MARKER.search("##  begin hidden tests")
    assert not cells.ANY_MARKER.search("# the solution begins here")


@pytest.mark.parametrize(
    ("outputs", "passes"),
    [
        ([], True),
        ([{"output_type": "stream", "name": "stdout", "text": "ok"}], True),
        ([{"output_type": "stream", "name": "stderr", "text": "warning"}], False),
        ([{"output_type": "error", "ename": "AssertionError", "evalue": ""}], False),
    ],
)
def test_cell_passes_follows_nbgrader(outputs: list, passes: bool) -> None:
    assert cell_passes({"outputs": outputs}) is passes


def _with_notebook(assignment_dir: Path) -> None:
    """An assignment whose one exercise, ``f``, is SOLUTION_CELL (the reference the edits apply to)."""
    assignment_dir.mkdir(parents=True, exist_ok=True)
    cells.save_notebook({"cells": [SOLUTION_CELL, TEST_CELL], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                        assignment_dir / "a.ipynb")


def test_variants_layout(tmp_path: Path) -> None:
    _with_notebook(tmp_path)
    root = tmp_path / "variants" / "f"
    root.mkdir(parents=True)
    (root / "mutant_off_by_one.edit").write_text(
        "# why: off by one\n<<<<<<< SEARCH\n    secret_value = x * 42 + 7\n=======\n"
        "    secret_value = x * 42 + 8\n>>>>>>> REPLACE\n")
    (root / "alt_loop.py").write_text("# why: loops\ndef f(x):\n    return x\n")
    found = discover_variants(tmp_path)
    assert [(v.kind, v.name, v.exercise, v.path.name) for v in found] == [
        ("alt", "loop", "f", "alt_loop.py"), ("mutant", "off_by_one", "f", "mutant_off_by_one.edit")]
    assert found[1].why == "off by one"
    assert found[1].student_id == "mutant--f--off_by_one"
    assert found[1].source == (
        '# why: off by one\ndef f(x):\n    """Doc."""\n    secret_value = x * 42 + 8\n    return secret_value\n')


@pytest.mark.parametrize(
    ("relative", "content", "message"),
    [
        ("f/guess_x.py", "# why: x\n", "mutant_"),
        ("f/alt_x.py", "def f(): pass\n", "# why:"),
        ("f/mutant_x.edit", "<<<<<<< SEARCH\n    return secret_value\n=======\n    return 0\n>>>>>>> REPLACE\n",
         "# why:"),
        ("f/mutant_x.py", "# why: x\ndef f(x):\n    return 0\n", "stored as an edit of the reference"),
        ("f/alt_x.edit", "# why: x\n", "alternative answer is a complete file"),
        ("mutant_x.edit", "# why: x\n", "variants/<exercise_id>"),
        ("f/mutant_x.txt", "# why: x\n", "variants/<exercise_id>"),
    ],
)
def test_variants_bad_layout_is_a_clear_error(tmp_path: Path, relative: str, content: str,
                                              message: str) -> None:
    _with_notebook(tmp_path)
    path = tmp_path / "variants" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    with pytest.raises(VariantFormatError, match=message.replace("<", ".").replace(">", ".")) as error:
        discover_variants(tmp_path)
    assert str(path) in str(error.value)


def test_ignore_list_agrees_with_nbgrader_config() -> None:
    class Config:
        def __getattr__(self, name: str) -> Config:
            value = Config()
            object.__setattr__(self, name, value)
            return value

    config = Config()
    runpy.run_path(str(REPO_ROOT / "nbgrader_config.py"), init_globals={"get_config": lambda: config})
    assert tuple(config.CourseDirectory.ignore) == IGNORED
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "course"


def test_layout_discovers_and_resolves(tmp_path: Path) -> None:
    layout = CourseLayout(REPO_ROOT)
    assert layout.resolve(None) == layout.assignments()
    assert layout.resolve(["solutions/00_welcome/"]) == ["00_welcome"]
    with pytest.raises(UnknownAssignmentError, match="99_nope"):
        layout.resolve(["99_nope"])
    with pytest.raises(FileNotFoundError):
        CourseLayout.find(tmp_path)


def test_unknown_assignment_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(REPO_ROOT), "check", "99_nope"]) == 2
    assert "unknown assignment" in capsys.readouterr().err


def test_compare_releases_spots_each_difference(tmp_path: Path) -> None:
    generated, committed = tmp_path / "gen" / "a", tmp_path / "com" / "a"
    for directory in (generated, committed):
        directory.mkdir(parents=True)
        (directory / "n.ipynb").write_text('{"cells": []}')
    assert compare_releases(generated, committed) == []
    (committed / "n.ipynb").write_text('{"cells": [{"source": "edited"}]}')
    (generated / "data.csv").write_text("x")
    (committed / "extra.txt").write_text("x")
    problems = "\n".join(compare_releases(generated, committed))
    assert "n.ipynb differs" in problems and "missing data.csv" in problems
    assert "extra.txt" in problems


def test_tables() -> None:
    text = render_table(["a", "long header"], [[1, 2], ["wide value", 3]])
    lines = text.splitlines()
    assert lines[0].startswith("a           long header") and set(lines[1]) <= {"-", " "}
    report = AssignmentReport("01_x", exercises=2, points=5, student_score=0, solution_score=5,
                              mutants_killed=2, mutants_total=2, alts_accepted=2, alts_total=2,
                              seconds=3.25, peak_rss_bytes=100 * 2**20)
    table = format_check_table([report])
    assert "01_x" in table and "0/5" in table and "5/5" in table and "2/2" in table
    assert table.splitlines()[2].endswith("ok")


def test_bench_prints_a_table_against_the_budget(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--root", str(REPO_ROOT), "bench", "00_welcome", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "00_welcome/welcome.ipynb" in out and "budget s" in out and "peak MiB" in out
    row = next(line for line in out.splitlines() if line.startswith("00_welcome/")).split()
    # Columns, not timings, are asserted: budgets are judged by reading the bench, never by a timed test.
    assert row[1] == "1" and float(row[2]) > 0 and row[-2] == "0" and row[-1] in {"ok", "OVER"}
    assert status == (0 if row[-1] == "ok" else 1)


def test_a_broken_notebook_fails_its_assignment_not_the_batch(
    course_copy: CourseLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = course_copy.solutions_dir / "00_welcome" / "welcome.ipynb"
    broken.write_text('{"cells": [ this is not json')
    from grader.cli import check_or_report

    report = check_or_report(course_copy, "00_welcome")
    assert not report.ok and "could not be checked: JSONDecodeError" in report.failures[0]


def _graded_test_cell(outputs: list[dict], executed: bool = True) -> dict:
    source = "assert f(1) == 1\nassert f(2) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 3\n### END HIDDEN TESTS"
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": outputs,
            "execution_count": 4 if executed else None}


def _error_at(line: int) -> dict:
    frame = f"\x1b[0;32mCell In[4], line {line}\x1b[0m\n----> {line} assert ..."
    return {"output_type": "error", "ename": "AssertionError", "evalue": "",
            "traceback": ["-----", "AssertionError    Traceback (most recent call last)", frame]}


def test_visible_part_is_read_from_the_line_that_failed() -> None:
    from grader.contract import visible_part_passed

    assert visible_part_passed(_graded_test_cell([])) is True
    assert visible_part_passed(_graded_test_cell([_error_at(4)])) is True  # a hidden assert failed
    assert visible_part_passed(_graded_test_cell([_error_at(2)])) is False
    assert visible_part_passed(_graded_test_cell([], executed=False)) is None
    stderr = {"output_type": "stream", "name": "stderr", "text": "warning"}
    assert visible_part_passed(_graded_test_cell([stderr])) is None
    no_line = {"output_type": "error", "ename": "SyntaxError", "evalue": "", "traceback": ["  File x"]}
    assert visible_part_passed(_graded_test_cell([no_line])) is None


def test_the_remembered_alembic_head_is_the_one_nbgrader_would_run_alembic_for(tmp_path: Path) -> None:
    """The nbgrader servers stamp new gradebooks from memory; the value must be nbgrader's own."""
    import sqlite3

    import nbgrader.api

    from grader.nbgrader_cli import alembic_head, run_nbgrader

    assert alembic_head() == nbgrader.api.get_alembic_version()  # the subprocess nbgrader runs itself
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'units'\n")
    run_nbgrader(["db", "student", "add", "someone"], cwd=tmp_path)  # creates the gradebook in a server
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(alembic_head(),)]
