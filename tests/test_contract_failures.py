"""The contract check must fail for each way an assignment can be broken.

One deliberately broken assignment carries every defect at once (one check run
keeps the suite fast); a healthy control exercise beside them must stay clean.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.build import build
from grader.cli import print_check_results
from grader.contract import AssignmentReport, check_assignment, compare_releases

from .course_factory import ExerciseSpec, write_assignment
from .test_contract import assert_report_holds

ASSIGNMENT = "98_broken"

# One worker builds and checks the broken course once for every test here.
pytestmark = pytest.mark.xdist_group("broken_course")

EXERCISES = [
    ExerciseSpec(  # healthy control
        "add_one",
        'def add_one(x):\n    ### BEGIN SOLUTION\n    result = x + 1  # the reference answer\n'
        "    return result\n    ### END SOLUTION",
        "assert type(add_one(1)) is int and add_one(1) == 2", "assert type(add_one(-1)) is int and add_one(-1) == 0",
        variants={
            "mutant_abs": "# why: forgets negatives\ndef add_one(x):\n    return abs(x) + 1",
            "alt_flipped": "# why: adds the other way round\ndef add_one(x):\n    return 1 + x",
        },
    ),
    ExerciseSpec(  # hidden tests that no mutant fails
        "clamp",
        "def clamp(x):\n    ### BEGIN SOLUTION\n    return max(0, min(10, x))\n    ### END SOLUTION",
        "assert clamp(5) == 5", "assert clamp(7) == 7",
        variants={
            "mutant_no_upper": "# why: forgets the upper bound\ndef clamp(x):\n    return max(0, x)",
            "alt_if": "# why: ifs\ndef clamp(x):\n    if x < 0:\n        return 0\n"
                      "    if x > 10:\n        return 10\n    return x",
        },
    ),
    ExerciseSpec(  # a "mutant" that is in fact correct scores full marks
        "square",
        "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
        "assert square(3) == 9", "assert square(-2) == 4",
        variants={
            "mutant_power": "# why: not wrong at all\ndef square(x):\n    return x ** 2",
            "alt_pow": "# why: pow\ndef square(x):\n    return pow(x, 2)",
        },
    ),
    ExerciseSpec(  # hidden tests that demand an order the task never asked for
        "evens",
        "def evens(xs):\n    ### BEGIN SOLUTION\n    return [x for x in xs if x % 2 == 0]\n"
        "    ### END SOLUTION",
        "assert sorted(evens([1, 2])) == [2]", "assert evens([4, 2, 3]) == [4, 2]",
        variants={
            "mutant_odds": "# why: keeps odd numbers too when there are many\ndef evens(xs):\n"
                           "    return list(xs) if len(xs) > 2 else [x for x in xs if x % 2 == 0]",
            "alt_sorted": "# why: returns them sorted\ndef evens(xs):\n"
                          "    return sorted(x for x in xs if x % 2 == 0)",
        },
    ),
    ExerciseSpec(  # a mutant that already fails the visible tests proves nothing
        "half",
        "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n    ### END SOLUTION",
        "assert half(4) == 2", "assert half(3) == 1.5",
        variants={
            "mutant_identity": "# why: returns x\ndef half(x):\n    return x",
            "alt_multiply": "# why: multiplies\ndef half(x):\n    return x * 0.5",
        },
    ),
    ExerciseSpec(  # the answer sits outside the markers, so students receive it
        "triple",
        "def triple(x):\n    return 3 * x\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION",
        "assert triple(1) == 3", "assert triple(-2) == -6",
        variants={
            "mutant_double": "# why: doubles\ndef triple(x):\n    return 2 * x if x < 0 else 3 * x",
            "alt_sum": "# why: adds\ndef triple(x):\n    return x + x + x",
        },
    ),
    ExerciseSpec(  # a mutant that kills the kernel: its batch must be re-graded variant by variant
        "boom",
        "def boom(x):\n    ### BEGIN SOLUTION\n    return abs(x)\n    ### END SOLUTION",
        "assert boom(2) == 2", "assert boom(-3) == 3",
        variants={
            "mutant_exit": "# why: kills the kernel on negatives\ndef boom(x):\n    import os\n\n"
                           "    if x < 0:\n        os._exit(1)\n    return x",
            "alt_max": "# why: max\ndef boom(x):\n    return max(x, -x)",
        },
    ),
    ExerciseSpec(  # isinstance lets a cheat through: an always-equal str subclass passes
        "parity",
        'def parity(n: int) -> str:\n    ### BEGIN SOLUTION\n    return "even" if n % 2 == 0 else "odd"\n'
        "    ### END SOLUTION",
        'assert isinstance(parity(3), str) and parity(3) == "odd"',
        'assert isinstance(parity(4), str) and parity(4) == "even"',
        variants={
            "mutant_odd_above_two": '# why: says odd for every number above 2\ndef parity(n: int) -> str:\n'
                                    '    return "odd" if n > 2 else ("even" if n % 2 == 0 else "odd")',
            "alt_bits": '# why: indexes by the low bit\ndef parity(n: int) -> str:\n    return ("even", "odd")[n & 1]',
        },
    ),
    ExerciseSpec(  # only the error path is tested: an answer that always raises passes
        "check_age",
        "def check_age(age):\n    ### BEGIN SOLUTION\n    if age < 0:\n        raise ValueError(age)\n"
        "    return age\n    ### END SOLUTION",
        "try:\n    check_age(-1)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no ValueError')",
        "try:\n    check_age(-50)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no ValueError')",
        variants={
            "mutant_minus_one": "# why: only rejects -1\ndef check_age(age):\n    if age == -1:\n"
                                "        raise ValueError(age)\n    return age",
            "alt_not": "# why: not >= 0\ndef check_age(age):\n    if not age >= 0:\n        raise ValueError(age)\n"
                       "    return age",
        },
    ),
    ExerciseSpec(  # a reference that fails its own hidden test: caught without stock grading it
        "increment",
        "def increment(x):\n    ### BEGIN SOLUTION\n    return x + 2\n    ### END SOLUTION",
        "assert increment(0) > 0", "assert increment(1) == 2",
        variants={
            "mutant_zero": "# why: returns x\ndef increment(x):\n    return x",
            "alt_sum": "# why: sum\ndef increment(x):\n    return sum([x, 2])",
        },
    ),
    ExerciseSpec(  # no variants at all
        "lonely",
        "def lonely():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
        "assert lonely() == 1", "assert lonely() + 1 == 2",
    ),
]


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> AssignmentReport:
    root = tmp_path_factory.mktemp("broken-course")
    # A demo cell that calls an exercise: it fails in the student version, where only stubs may.
    # Before it, a demo that forgets to stop its thread and close its socket.
    forgetful = ("import socket\nimport threading\nimport time\n\n_server = socket.socket()\n"
                 "threading.Thread(target=time.sleep, args=(20,), name='forgotten', daemon=True).start()\n")
    layout = write_assignment(root, ASSIGNMENT, EXERCISES, closing_code=forgetful + "print(add_one(41))")
    build(layout, [ASSIGNMENT])
    release = layout.release_dir(ASSIGNMENT) / "broken.ipynb"
    notebook = json.loads(release.read_text())
    notebook["cells"][0]["source"] = "# 98_broken, hand-edited in course/"
    notebook["cells"][2]["source"] += "\n    result = x + 1  # the reference answer"
    release.write_text(json.dumps(notebook, indent=1))
    shutil.copytree(layout.solutions_dir / ASSIGNMENT / "variants",
                    layout.release_dir(ASSIGNMENT) / "variants")
    return check_assignment(layout, ASSIGNMENT)


def _failures_about(report: AssignmentReport, *needles: str) -> list[str]:
    return [f for f in report.failures if all(needle in f for needle in needles)]


@pytest.mark.parametrize(
    ("defect", "needles"),
    [
        ("hidden test that no mutant fails", ("mutant clamp/no_upper", "scores full marks")),
        ("mutant that scores full marks", ("mutant square/power", "scores full marks")),
        ("correct alternative rejected", ("alt evens/sorted", "is correct but loses points")),
        ("mutant fails the visible tests", ("mutant half/identity", "fails the visible tests")),
        ("answer leaks through the stub", ("student version scores",)),
        ("demo cell needs an exercise", ("student version", "only exercise stubs may fail")),
        ("hand-edited course notebook", ("not in sync", "differs from what the build generates")),
        ("solution text in course/", ("leak", "solution or hidden-test text")),
        ("instructor files in course/", ("leak", "variants/")),
        ("variant that kills the kernel", ("could not grade mutant--boom--exit", "kernel died")),
        ("exercise without mutant", ("'lonely' has no mutant",)),
        ("exercise without alternative", ("'lonely' has no alternative",)),
        ("tests an always-equal object passes", ("cheat always_equal scored 1/1 on test_clamp", "clamp/always_equal")),
        ("tests an always-equal str subclass passes",
         ("cheat always_equal_typed scored 1/1 on test_parity", "exact result types")),
        ("tests an always-raising answer passes", ("cheat raises scored 1/1 on test_check_age",)),
        ("reference fails its own tests", ("reference solution scores", "lost: ['test_increment']")),
        ("reference cell raises", ("solution broken.ipynb cell", "raised AssertionError")),
        ("a thread left running", ("broken.ipynb leaves running at its end", "threads alive: forgotten")),
        ("a socket left open", ("broken.ipynb leaves running at its end", "1 socket(s) open")),
    ],
)
def test_defect_is_reported(broken_report: AssignmentReport, defect: str, needles: tuple[str, ...]) -> None:
    assert _failures_about(broken_report, *needles), (
        f"{defect} was not reported; failures were:\n" + "\n".join(broken_report.failures)
    )


def test_healthy_exercise_beside_them_is_not_blamed(broken_report: AssignmentReport) -> None:
    assert not _failures_about(broken_report, "mutant add_one/")
    assert not _failures_about(broken_report, "alt add_one/")
    assert not _failures_about(broken_report, "cheat add_one/"), "its tests check exact types: no cheat scores"
    assert not _failures_about(broken_report, "(cheat parity/always_equal:")  # isinstance stops the plain one
    assert broken_report.variant_runs["cheat add_one/always_equal"] == (1, 1)
    assert broken_report.cheats_scored >= 3 and broken_report.cheats_total >= 3 * 2
    assert broken_report.mutants_killed >= 2  # add_one/abs and evens/odds are caught


def test_check_and_suite_fail(broken_report: AssignmentReport, capsys: pytest.CaptureFixture[str]) -> None:
    assert print_check_results([broken_report]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and f"FAIL {ASSIGNMENT}: leak" in out
    assert "cheats scored" in out and f"FAIL {ASSIGNMENT}: cheat raises scored 1/1 on test_check_age" in out
    with pytest.raises(AssertionError, match="breaks the contract"):
        assert_report_holds(broken_report)


def test_missing_course_is_out_of_sync(tmp_path: Path) -> None:
    (tmp_path / "generated").mkdir()
    problems = compare_releases(tmp_path / "generated", tmp_path / "course" / ASSIGNMENT)
    assert problems and "run python -m grader build" in problems[0]
