"""``grader autograde``: parallel, sandboxed, into nbgrader's gradebook; hostile input contained.

One batch grades honest students beside the adversarial corpus in tests/adversarial/ and the
structural attacks built here; every expectation of issue 3 §4 is asserted on that batch. A
second course graded by stock ``nbgrader autograde`` must give the honest students the same scores.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import cells
from grader.autograde import SubmissionResult, autograde
from grader.jail import PIDS_CGROUP_ROOT
from grader.layout import CourseLayout
from grader.nbgrader_cli import run_nbgrader
from grader.sandbox import Policy, bubblewrap
from grader.variants import discover_variants

from .conftest import REPO_ROOT

pytestmark = pytest.mark.xdist_group("autograde")

ASSIGNMENT, NOTEBOOK, EXERCISE = "00_welcome", "welcome", "count_nines"
CORPUS = REPO_ROOT / "tests" / "adversarial"
POLICY = Policy(cell_timeout=8, notebook_timeout=60, memory_bytes=2 * 2**30, max_processes=48,
                max_output_bytes=200_000)


@dataclass(frozen=True)
class Case:
    student: str
    score: float | None  # None: must not be graded (and say why)
    reason: str | None  # text that must appear in the recorded reason


def _course(root: Path) -> CourseLayout:
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root)
    for part in ("solutions", "course"):
        shutil.copytree(REPO_ROOT / part / ASSIGNMENT, root / part / ASSIGNMENT,
                        ignore=shutil.ignore_patterns("variants"))
    return CourseLayout(root)


def _release() -> dict:
    return json.loads((REPO_ROOT / "course" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())


def _reference_answer() -> str:
    source = json.loads((REPO_ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    return cells.reference_answer(cells.find_cell(source, EXERCISE)[1])


def _submit(root: Path, student: str, notebook: dict | str, name: str = f"{NOTEBOOK}.ipynb") -> None:
    target = root / "submitted" / student / ASSIGNMENT / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(notebook if isinstance(notebook, str) else json.dumps(notebook))


def _with_answer(answer: str) -> dict:
    notebook = _release()
    cells.find_cell(notebook, EXERCISE)[1]["source"] = answer
    return notebook


def honest_class(root: Path) -> list[Case]:
    naive = next(v.source for v in discover_variants(REPO_ROOT / "solutions" / ASSIGNMENT)
                 if v.kind == "mutant" and v.exercise == EXERCISE and v.name == "log_epsilon")
    _submit(root, "alice", _with_answer(_reference_answer()))
    _submit(root, "bob", _release())
    _submit(root, "erin", _with_answer(naive))
    return [Case("alice", 3, None), Case("bob", 0, None), Case("erin", 0, None)]


def hostile_class(root: Path) -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.py")):
        text = path.read_text()
        score, reason = re.search(r"^# expect: (\S+) \| (.*)$", text, re.M).groups()
        student = f"adv-{path.stem.replace('_', '-')}"
        _submit(root, student, _with_answer(text.replace("{root}", str(root)).replace("{repo}", str(REPO_ROOT))))
        cases.append(Case(student, float(score), None if reason.strip() == "-" else reason.strip()))

    answer = _reference_answer()
    deleted = _with_answer("def count_nines(availability):\n    return 3")
    deleted["cells"] = [c for c in deleted["cells"] if cells.grade_id(c) != f"test_{EXERCISE}"]
    _submit(root, "struct-deleted-test", deleted)
    cases.append(Case("struct-deleted-test", 0, "deleted cell 'test_count_nines' restored"))

    duplicated = _with_answer(answer)
    index, _ = cells.find_cell(duplicated, f"test_{EXERCISE}")
    duplicated["cells"][index:index] = [json.loads(json.dumps(c)) for c in duplicated["cells"][index - 1:index + 1]]
    _submit(root, "struct-duplicated-cells", duplicated)
    cases.append(Case("struct-duplicated-cells", 3, "extra graded cell 'test_count_nines' ignored"))

    edited = _with_answer("def count_nines(availability):\n    return 3")
    _, test = cells.find_cell(edited, f"test_{EXERCISE}")
    test["source"] = "pass  # all tests removed"
    test["metadata"]["nbgrader"]["points"] = 100
    _submit(root, "struct-edited-test", edited)
    cases.append(Case("struct-edited-test", 0, "metadata of 'test_count_nines' restored"))

    ungraded = _with_answer("def count_nines(availability):\n    return 3")
    _, test = cells.find_cell(ungraded, f"test_{EXERCISE}")
    test["metadata"]["nbgrader"].update(grade=False, locked=False)
    _submit(root, "struct-ungraded-test", ungraded)
    cases.append(Case("struct-ungraded-test", 0, "metadata of 'test_count_nines' restored"))

    _submit(root, "struct-malformed-json", '{"cells": [ {"cell_type": "code", oops')
    cases.append(Case("struct-malformed-json", None, "cannot be graded"))

    _submit(root, "struct-renamed", _with_answer(answer), name="welcome (1).ipynb")
    cases.append(Case("struct-renamed", 3, "was submitted as welcome (1).ipynb"))

    # Links in a submission point at what the grader may read and the student may not.
    _submit(root, "struct-linked-notebook", _release())
    linked = root / "submitted" / "struct-linked-notebook" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    linked.unlink()
    linked.symlink_to(root / "submitted" / "alice" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")  # alice's full marks
    cases.append(Case("struct-linked-notebook", None, "is a symbolic link, not a notebook"))
    _submit(root, "struct-linked-file", _with_answer(answer + "\nimport os\nassert not os.path.exists('key.txt')"))
    (root / "submitted" / "struct-linked-file" / ASSIGNMENT / "key.txt").symlink_to(
        root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    cases.append(Case("struct-linked-file", 3, "symbolic link key.txt not copied for grading"))
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[CourseLayout, list[Case], dict[str, SubmissionResult]]:
    root = tmp_path_factory.mktemp("class")
    layout = _course(root)
    cases = honest_class(root) + hostile_class(root)
    cgroups_before = _cgroups()
    results = autograde(layout, ASSIGNMENT, None, jobs=2, policy=POLICY, progress=False)
    assert _cgroups() <= cgroups_before, "a submission's cgroup outlived grading"
    return layout, cases, {result.student: result for result in results}


def _cgroups() -> set[str]:
    """This process's grading cgroups (other tests may be grading at the same time)."""
    from grader.untrusted import CGROUP_PREFIX

    return {p.name for p in PIDS_CGROUP_ROOT.glob(f"{CGROUP_PREFIX}*")} if PIDS_CGROUP_ROOT.exists() else set()


def test_every_submission_ends_with_a_grade_or_a_reason(graded) -> None:
    _, cases, results = graded
    assert set(results) == {case.student for case in cases}
    for result in results.values():
        assert result.score is not None or result.problems, result


@pytest.mark.parametrize("student", ["alice", "bob", "erin"])
def test_honest_students_get_what_their_code_earns(graded, student: str) -> None:
    _, cases, results = graded
    expected = next(case for case in cases if case.student == student)
    assert results[student].score == expected.score and results[student].max_score == 3


def test_each_attack_gets_only_what_its_code_earns_and_a_reason(graded) -> None:
    _, cases, results = graded
    wrong = []
    for case in cases:
        result = results[case.student]
        reasons = "; ".join(result.problems + result.review)
        if result.score != case.score or (case.reason and case.reason not in reasons):
            wrong.append(f"{case.student}: score {result.score} (want {case.score}); reasons: {reasons}")
    assert not wrong, "\n".join(wrong)


def test_tampering_is_flagged_for_review(graded) -> None:
    _, _, results = graded
    for student in ("adv-hide-errors-custom-exc", "adv-hide-errors-skip-cells", "adv-stop-later-cells-exit",
                    "adv-kill-parent"):
        assert results[student].review, student


def test_tampering_is_held_for_manual_grading_with_nothing_awarded(graded) -> None:
    from nbgrader.api import Gradebook

    from grader.autograde import gradebook_location

    layout, cases, results = graded
    held = [case.student for case in cases if case.reason and "tampering" in case.reason]
    assert len(held) >= 4, "the corpus holds tampering attacks"
    with Gradebook(*gradebook_location(layout)) as gradebook:
        for student in held:
            grade = gradebook.find_grade(f"test_{EXERCISE}", NOTEBOOK, ASSIGNMENT, student)
            assert grade.needs_manual_grade and grade.score == 0, student
            assert results[student].status == "review", student
        for student in ("alice", "bob", "erin"):
            assert not gradebook.find_grade(f"test_{EXERCISE}", NOTEBOOK, ASSIGNMENT, student).needs_manual_grade


def test_nothing_outside_the_sandbox_was_touched(graded) -> None:
    layout, _, _ = graded
    if bubblewrap() is None:
        pytest.skip("bubblewrap unavailable: no filesystem isolation to test")
    assert not (layout.solutions_dir / "PWNED").exists()
    graded_reader = layout.root / "autograded" / "adv-read-hidden-tests" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    text = graded_reader.read_text()
    assert "BEGIN HIDDEN TESTS" not in text.split('"grade_id": "test_count_nines"')[0]
    assert "READ " not in text and "CHANGED" not in text


def test_no_process_outlives_grading(graded) -> None:
    # (the fixture asserts that no submission's cgroup outlived grading)
    sleepers = subprocess.run(["pgrep", "-f", "(ipykernel_launcher|guard/kernel.py).*eng101-kernel"],
                              capture_output=True, text=True, check=False).stdout.split()
    assert not sleepers


def test_the_gradebook_serves_stock_export(graded) -> None:
    layout, _, results = graded
    run_nbgrader(["export"], layout.root)
    exported = (layout.root / "grades.csv").read_text().splitlines()
    alice = next(line for line in exported if ",alice," in line)
    assert alice.split(",")[-2:] == ["3.0", "3.0"]
    assert sum(1 for line in exported[1:]) == sum(1 for r in results.values() if r.score is not None)


def test_scores_equal_stock_nbgrader_autograde(graded, tmp_path: Path) -> None:
    _, _, results = graded
    layout = _course(tmp_path)
    honest = honest_class(tmp_path)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], tmp_path)  # stock nbgrader, forked
    run_nbgrader(["autograde", ASSIGNMENT], tmp_path)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{layout.root / 'gradebook.db'}") as gradebook:
        for case in honest:
            stock = gradebook.find_submission(ASSIGNMENT, case.student)
            assert stock.score == results[case.student].score, case.student


def test_feedback_shows_outcomes_but_never_hidden_tests(graded) -> None:
    from grader.feedback import write_feedback

    layout, _, _ = graded
    written = write_feedback(layout, ASSIGNMENT, ["alice", "bob", "erin", "adv-read-hidden-tests"])
    assert len(written) == 4
    source = json.loads((REPO_ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    hidden = cells.source_of(cells.find_cell(source, f"test_{EXERCISE}")[1]).split("### BEGIN HIDDEN TESTS")[1]
    hidden_lines = [line.strip() for line in hidden.splitlines() if len(line.strip()) > 12 and "END" not in line]
    pages = {path.parts[-3]: path.read_text() for path in written}
    for student, page in pages.items():
        assert "test_count_nines" in page, student
        assert "HIDDEN TESTS" not in page and "Traceback" not in page, student
        leaked = [line for line in hidden_lines if html.escape(line) in page]
        assert not leaked, (student, leaked)
    assert "3 / 3" in pages["alice"] and ">passed<" in pages["alice"]
    assert ">failed<" in pages["bob"] and "NotImplementedError" in pages["bob"]
    assert ">failed<" in pages["erin"] and "AssertionError" in pages["erin"]  # the message, not the code


def test_class_report_is_the_stock_export_plus_plots(graded, tmp_path: Path) -> None:
    from grader.report import write_report

    layout, _, results = graded
    report, files = write_report(layout, ASSIGNMENT, tmp_path / "report")
    stock_csv = tmp_path / "stock.csv"
    run_nbgrader(["export", f"--to={stock_csv}"], layout.root)
    assert files.csv.read_text() == stock_csv.read_text()
    assert files.csv.read_text().splitlines()[0] == (
        "assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
        "late_submission_penalty,score,max_score")

    graded_scores = {r.student: r.score for r in results.values() if r.score is not None}
    assert report.totals == graded_scores
    (cell,) = report.cells
    assert cell.name == f"test_{EXERCISE}" and cell.max_score == 3
    assert cell.pass_rate == sum(s == 3 for s in graded_scores.values()) / len(graded_scores)
    assert 0 < cell.pass_rate < 1

    for png in (files.distribution, files.pass_rates):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    page = files.page.read_text()
    assert files.distribution.name in page and files.pass_rates.name in page and "grades.csv" in page
    assert f"test_{EXERCISE}" in page and f"{cell.pass_rate:.0%}" in page
