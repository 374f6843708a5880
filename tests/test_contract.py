"""The exercise contract (COURSE_DESIGN.md §4) for every assignment in solutions/.

Assignments are discovered, so a new notebook is checked without touching this file.
"""

from __future__ import annotations

import pytest

from grader.contract import AssignmentReport, check_assignment
from grader.layout import CourseLayout

from .conftest import REPO_ROOT

ASSIGNMENTS = CourseLayout(REPO_ROOT).assignments()


def assert_report_holds(report: AssignmentReport) -> None:
    assignment = report.assignment
    assert report.ok, f"{assignment} breaks the contract:\n" + "\n".join(report.failures)
    assert report.exercises > 0, f"{assignment} has no graded exercise"
    assert report.student_score == 0
    assert report.solution_score == report.points > 0
    assert report.mutants_killed == report.mutants_total >= report.exercises
    assert report.alts_accepted == report.alts_total >= report.exercises
    assert not report.leaks and not report.out_of_sync


def test_assignments_are_discovered() -> None:
    assert "00_welcome" in ASSIGNMENTS and "01_subnets" in ASSIGNMENTS


#: Where a fork is least innocent, the variants are graded by stock nbgrader as well and every graded
#: cell must agree with the fast path: 07 (SQLite files, open connections, threads, a child killed
#: mid-transaction) in the suite. 08 (a fork-context process pool), 17 (services holding SQLite
#: connections, a killed orchestrator), 03 and 20 (threads preempted line by line) pass it too, with
#: `python -m grader check NN --against-stock` or `python -m grader equivalence NN`; in the suite they
#: cost more than a minute of the 8-minute budget each.
AGAINST_STOCK = {"07_acid"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_contract(repo_layout: CourseLayout, assignment: str) -> None:
    report = check_assignment(repo_layout, assignment, against_stock=assignment in AGAINST_STOCK)
    assert_report_holds(report)
    if assignment in AGAINST_STOCK:
        variants, cells = report.stock_comparison
        assert variants == report.mutants_total + report.alts_total and cells >= variants, report.fallbacks
