"""The contract's fast path (grader.fastpath, grader.forkrun) grades exactly as stock nbgrader.

The real notebooks are compared with stock nbgrader, cell by cell, in tests/test_contract.py
(``against_stock`` for 07, 17 and 20). Here, synthetic courses prove that the comparison fails on
a deliberately broken fast path, that an unsafe fork point is handled from a snapshot, that a file
left open is private to each run, and that a mutant killed only in some runs is reported with
``--repeat``. The synthetic courses prove that the comparison fails on a
deliberately broken fast path, that an unsafe fork point is handled from a snapshot, and that a
mutant killed only in some runs is reported with ``--repeat``.
"""

from __future__ import annotations

import nbformat
import pytest

from grader import fastpath
from grader.build import build
from grader.contract import AssignmentReport, check_assignment
from grader.equivalence import compare_with_stock
from grader.fastpath import _names, last_cell_needed
from grader.layout import CourseLayout

from .conftest import REPO_ROOT
from .course_factory import ExerciseSpec, write_assignment

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


# One synthetic course, checked once with --repeat 4, holds three independent exercises:
#   first_line: reads through a file handle a demo cell left open (read-only): each run must reopen
#               it, or the runs would share its offset and the parent's next read would find the end;
#   double:     a mutant wrong only every other run (a race left to chance): killed 2 of 4 runs;
#   server_alive: a demo thread is alive across it, so its runs must come from a snapshot taken
#               before the thread started.
HANDLE_CELL = "from pathlib import Path\n\nPath('lines.txt').write_text('alpha\\nbeta\\n')\nHANDLE = open('lines.txt')"
SERVER_CELL = (
    "import threading\n\n"
    "stop = threading.Event()\n"
    "server = threading.Thread(target=stop.wait, name='demo-server')\n"
    "server.start()  # alive across the exercise below: forking here would lose it\n"
)
EXERCISES = [
    ExerciseSpec(
        "first_line",
        "def first_line():\n    ### BEGIN SOLUTION\n    return HANDLE.readline()\n    ### END SOLUTION",
        "assert first_line() == 'alpha\\n'", "assert HANDLE.readline() == 'beta\\n'",
        variants={
            "mutant_reads_two": "# why: reads one line too many\ndef first_line():\n    line = HANDLE.readline()\n"
                                "    HANDLE.readline()\n    return line",
            "alt_iter": "# why: next() on the file\ndef first_line():\n    return next(HANDLE)",
        },
    ),
    ExerciseSpec(
        "double",
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
        "_two = double(2)\nassert type(_two) is int and _two == 4",
        "_six = double(-3)\nassert type(_six) is int and _six == -6",
        variants={
            # Wrong on every other call, like a race that a test leaves to chance. The count is
            # taken under a lock: the fast path runs several variants' runs at once.
            "mutant_flaky": "# why: right only every other run\nimport fcntl\nimport os\n\n\n"
                            "def double(x):\n    if x >= 0:\n        return 2 * x\n"
                            "    with open(os.environ['ENG101_TEST_COUNTER'], 'a+') as counter:\n"
                            "        fcntl.flock(counter, fcntl.LOCK_EX)\n"
                            "        counter.seek(0)\n"
                            "        runs = int(counter.read() or 0)\n"
                            "        counter.seek(0)\n"
                            "        counter.truncate()\n"
                            "        counter.write(str(runs + 1))\n"
                            "    return 2 * x if runs % 2 else x",
            "alt_add": "# why: adds\ndef double(x):\n    return x + x",
        },
    ),
    ExerciseSpec(
        "server_alive",
        "def server_alive():\n    ### BEGIN SOLUTION\n    return server.is_alive()\n    ### END SOLUTION",
        "assert server_alive() is True", "assert server_alive() is True and not stop.is_set()",
        variants={
            "mutant_stopped": "# why: stops the server it was asked about\ndef server_alive():\n"
                              "    alive = server.is_alive()\n    stop.set()\n    return alive",
            "alt_enumerate": "# why: looks the thread up by name\nimport threading\n\n\ndef server_alive():\n"
                             "    return any(t.name == 'demo-server' for t in threading.enumerate())",
        },
    ),
]


@pytest.fixture(scope="module")
def repeated_report(tmp_path_factory: pytest.TempPathFactory) -> AssignmentReport:
    root = tmp_path_factory.mktemp("hazards")
    counter = root / "runs"  # outside every run's private files
    layout = write_assignment(root / "course", "95_hazards", EXERCISES, closing_code="stop.set()\nserver.join()")
    notebook_path = layout.solutions_dir / "95_hazards" / "hazards.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(HANDLE_CELL, id="handle"))
    server_alive_at = next(i for i, c in enumerate(notebook.cells) if "def server_alive" in c.source)
    notebook.cells.insert(server_alive_at, nbformat.v4.new_code_cell(SERVER_CELL, id="server"))
    nbformat.write(notebook, notebook_path)
    build(layout, ["95_hazards"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENG101_TEST_COUNTER", str(counter))
        return check_assignment(layout, "95_hazards", repeat=4)


pytestmark_hazards = pytest.mark.xdist_group("hazards")


@pytestmark_hazards
def test_file_left_open_read_only_is_private_to_each_run(repeated_report: AssignmentReport) -> None:
    assert repeated_report.variant_runs["mutant first_line/reads_two"] == (4, 4)
    assert repeated_report.variant_runs["alt first_line/iter"] == (4, 4)
    assert not [label for label in repeated_report.snapshots if "first_line" in label]


@pytestmark_hazards
def test_mutant_killed_in_only_some_runs_fails_with_repeat(repeated_report: AssignmentReport) -> None:
    assert repeated_report.variant_runs["mutant double/flaky"] == (2, 4)
    assert repeated_report.variant_runs["alt double/add"] == (4, 4)
    failures = [f for f in repeated_report.failures if "double/flaky" in f]
    assert failures and "killed in only 2 of 4 runs" in failures[0], repeated_report.failures


@pytestmark_hazards
def test_unsafe_fork_point_runs_from_a_snapshot(repeated_report: AssignmentReport) -> None:
    assert repeated_report.variant_runs["mutant server_alive/stopped"] == (4, 4)
    assert repeated_report.variant_runs["alt server_alive/enumerate"] == (4, 4)
    assert sorted(repeated_report.snapshots) == ["alt server_alive/enumerate", "mutant server_alive/stopped"]
    assert "threads alive: demo-server" in repeated_report.snapshots["mutant server_alive/stopped"]
    assert repeated_report.fast_variants == 6 and repeated_report.stock_variants == 0, repeated_report.fallbacks
    # The only failure is the flaky mutant's.
    assert [f for f in repeated_report.failures if "double/flaky" not in f] == []


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
