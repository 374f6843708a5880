"""The contract's fast path (grader.fastpath, grader.forkrun) grades exactly as stock nbgrader.

The equivalence tests grade every variant of three notebooks both ways, chosen where a fork is
least innocent: 07 (SQLite files, threads, a child process killed mid-transaction), 17 (SQLite
services that keep connections open, threads, a killed orchestrator) and 20 (threads preempted
line by line through ``sys.settrace``). 03 (a server thread and socket, thread and process pools,
asyncio) passes too, by ``python -m grader equivalence 03_concurrency``; it is left out of the
suite because its stock side alone costs two minutes. The synthetic courses prove that the comparison fails on a
deliberately broken fast path, that an unsafe fork point is handled from a snapshot, and that a
mutant killed only in some runs is reported with ``--repeat``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import fastpath
from grader.build import build
from grader.contract import check_assignment
from grader.equivalence import compare_with_stock
from grader.fastpath import _names, last_cell_needed
from grader.layout import CourseLayout
from grader.variants import discover_variants

from .conftest import REPO_ROOT
from .course_factory import ExerciseSpec, write_assignment


@pytest.mark.parametrize("assignment", ["07_acid", "17_saga", "20_mutex_semaphore"])
def test_fast_path_scores_every_cell_as_stock_nbgrader(repo_layout: CourseLayout, assignment: str) -> None:
    result = compare_with_stock(repo_layout, assignment)
    variants = discover_variants(repo_layout.solutions_dir / assignment)
    assert not result.fallbacks, f"the fast path left variants to stock, so they were not compared: {result.fallbacks}"
    assert result.compared == len(variants) > 0
    assert result.ok, "\n".join(result.differences + result.not_graded)


# A journal that each run appends to: private files per run give one entry, shared files more.
JOURNAL = ExerciseSpec(
    "record",
    'def record(path):\n    ### BEGIN SOLUTION\n    with open(path, "a") as journal:\n'
    '        journal.write("entry\\n")\n    ### END SOLUTION',
    'record("journal.txt")\nassert "entry" in open("journal.txt").read()',
    'assert open("journal.txt").read() == "entry\\n"',
    variants={
        "mutant_twice": '# why: writes the entry twice\ndef record(path):\n    with open(path, "a") as journal:\n'
                        '        journal.write("entry\\nentry\\n")',
        "alt_pathlib": "# why: pathlib, read and rewrite\nfrom pathlib import Path\n\n\ndef record(path):\n"
                       '    old = Path(path).read_text() if Path(path).exists() else ""\n'
                       '    Path(path).write_text(old + "entry\\n")',
        "alt_print": '# why: print to the file\ndef record(path):\n    with open(path, "a") as journal:\n'
                     "        print('entry', file=journal)",
    },
)


@pytest.fixture(scope="module")
def journal_course(tmp_path_factory: pytest.TempPathFactory) -> CourseLayout:
    layout = write_assignment(tmp_path_factory.mktemp("journal"), "96_journal", [JOURNAL])
    build(layout, ["96_journal"])
    return layout


@pytest.mark.xdist_group("journal")
def test_equivalence_holds_on_private_files(journal_course: CourseLayout) -> None:
    result = compare_with_stock(journal_course, "96_journal")
    assert result.compared == 3 and result.ok, result.differences


@pytest.mark.xdist_group("journal")
def test_equivalence_catches_a_fast_path_that_shares_files(
    journal_course: CourseLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastpath, "RUNNER_MODULE", "tests.broken_forkrun")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    result = compare_with_stock(journal_course, "96_journal")
    assert not result.ok
    assert any("alt record/" in line and "test_record fast path (0.0, 1.0), stock nbgrader (1.0, 1.0)" in line
               for line in result.differences), result.differences


SERVER_THREAD = (
    "import threading\n\n"
    "stop = threading.Event()\n"
    "server = threading.Thread(target=stop.wait, name='demo-server')\n"
    "server.start()  # alive across the exercise below: forking here would lose it\n"
)


def test_unsafe_fork_point_runs_from_a_snapshot(tmp_path: Path) -> None:
    spec = ExerciseSpec(
        "server_alive",
        "def server_alive():\n    ### BEGIN SOLUTION\n    return server.is_alive()\n    ### END SOLUTION",
        "assert server_alive() is True", "assert server_alive() is True and not stop.is_set()",
        variants={
            "mutant_stopped": "# why: stops the server it was asked about\ndef server_alive():\n"
                              "    alive = server.is_alive()\n    stop.set()\n    return alive",
            "alt_enumerate": "# why: looks the thread up by name\nimport threading\n\n\ndef server_alive():\n"
                             "    return any(t.name == 'demo-server' for t in threading.enumerate())",
        },
    )
    layout = write_assignment(tmp_path, "95_server", [spec], closing_code="stop.set()\nserver.join()")
    notebook_path = layout.solutions_dir / "95_server" / "server.ipynb"
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(SERVER_THREAD, id="server"))
    nbformat.write(notebook, notebook_path)
    build(layout, ["95_server"])
    report = check_assignment(layout, "95_server")
    assert report.ok, report.failures
    assert report.fast_variants == 2 and report.stock_variants == 0, report.fallbacks
    assert report.mutants_killed == 1 and report.alts_accepted == 1


def test_mutant_killed_in_only_some_runs_fails_with_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "runs"
    monkeypatch.setenv("ENG101_TEST_COUNTER", str(counter))  # outside every run's private files
    spec = ExerciseSpec(
        "double",
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
        "assert double(2) == 4", "assert double(-3) == -6",
        variants={
            # Wrong on every other call, like a race that a test leaves to chance.
            "mutant_flaky": "# why: right only every other run\nimport os\nfrom pathlib import Path\n\n\n"
                            "def double(x):\n    if x >= 0:\n        return 2 * x\n"
                            "    path = Path(os.environ['ENG101_TEST_COUNTER'])\n"
                            "    runs = int(path.read_text()) if path.exists() else 0\n"
                            "    path.write_text(str(runs + 1))\n"
                            "    return 2 * x if runs % 2 else x",
            "alt_add": "# why: adds\ndef double(x):\n    return x + x",
        },
    )
    layout = write_assignment(tmp_path / "course", "94_flaky", [spec])
    build(layout, ["94_flaky"])
    report = check_assignment(layout, "94_flaky", repeat=4)
    assert report.variant_runs["mutant double/flaky"] == (2, 4)
    assert report.variant_runs["alt double/add"] == (4, 4)
    assert any("killed in only 2 of 4 runs" in failure for failure in report.failures), report.failures


def test_file_left_open_read_only_is_private_to_each_run(tmp_path: Path) -> None:
    # Each run reads the first line through a handle a demo cell left open. Sharing the open file
    # (and its offset) with the parent would move the parent's and the next run's reads to the end.
    spec = ExerciseSpec(
        "first_line",
        "def first_line():\n    ### BEGIN SOLUTION\n    return HANDLE.readline()\n    ### END SOLUTION",
        "assert first_line() == 'alpha\\n'", "assert HANDLE.readline() == 'beta\\n'",
        variants={
            "mutant_reads_two": "# why: reads one line too many\ndef first_line():\n    line = HANDLE.readline()\n"
                                "    HANDLE.readline()\n    return line",
            "alt_iter": "# why: next() on the file\ndef first_line():\n    return next(HANDLE)",
        },
    )
    layout = write_assignment(tmp_path, "93_handle", [spec])
    notebook_path = layout.solutions_dir / "93_handle" / "handle.ipynb"
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(
        "from pathlib import Path\n\nPath('lines.txt').write_text('alpha\\nbeta\\n')\nHANDLE = open('lines.txt')",
        id="handle",
    ))
    nbformat.write(notebook, notebook_path)
    build(layout, ["93_handle"])
    report = check_assignment(layout, "93_handle")
    assert report.ok, report.failures
    assert report.fast_variants == 2 and not report.snapshots, report.snapshots


def _cells(*sources: str) -> list[dict[str, object]]:
    return [{"index": index, "source": source} for index, source in enumerate(sources)]


def test_a_run_stops_after_the_last_cell_its_names_reach() -> None:
    cells = _cells(
        "import math",                          # 0 setup
        "def area(r):\n    return math.pi * r * r",  # 1 the exercise
        "assert area(1) == math.pi",            # 2 its test
        "unit = area(1)",                       # 3 a demo that uses it ...
        "def other():\n    return 2",           # 4 another exercise
        "assert other() == 2",                  # 5 its test: does not see area
        "assert unit > 3",                      # 6 ... and a test reading what the demo made
        "print('the end')",                     # 7
    )
    assert last_cell_needed(cells, 1, ["def area(r):\n    return 1"], {2}, {2, 5, 6}) == 6
    # Without the demo's name reaching a graded cell, the run ends at the exercise's own test.
    assert last_cell_needed(cells[:6], 1, ["def area(r):\n    return 1"], {2}, {2, 5}) == 2


def test_names_a_cell_binds_before_reading_are_its_own() -> None:
    bound, read = _names("for key in keys:\n    total = key\nfound = [k for k in total]\n")
    assert "keys" in read and "key" not in read and "k" not in read and "total" not in read
    assert {"key", "total", "found"} <= bound
    assert _names("%timeit 1") is None  # a magic: the caller treats it as reading everything
    # A magic after the exercise taints conservatively: the run goes to the last cell.
    assert last_cell_needed(_cells("x = 1", "def f():\n    return 1", "%time f()", "assert True"),
                            1, ["def f():\n    return 1"], set(), {3}) == 3
