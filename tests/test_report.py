"""``grader report`` without a graded class: the arithmetic and the clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.autograde import ensure_assignment_in_gradebook
from grader.cli import main
from grader.layout import CourseLayout
from grader.report import CellStats, ClassReport, ReportError, write_report

from .conftest import REPO_ROOT


def test_pass_rate_counts_full_points_and_mean_share_counts_partial() -> None:
    cell = CellStats("nb", "test_x", 4, [4, 4, 2, 0])
    assert cell.pass_rate == 0.5 and cell.mean_fraction == pytest.approx(10 / 16)
    assert CellStats("nb", "test_y", 2).pass_rate == 0.0
    report = ClassReport("a", 10, 5, {"s1": 10, "s2": 4, "s3": 7}, [cell])
    assert report.summary == {"mean": 7, "median": 7, "min": 4, "max": 10}


def test_clear_errors_before_anything_is_graded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO_ROOT / "solutions" / "00_welcome", tmp_path / "solutions" / "00_welcome",
                    ignore=shutil.ignore_patterns("variants"))
    layout = CourseLayout(tmp_path)
    with pytest.raises(ReportError, match="no gradebook"):
        write_report(layout, "00_welcome")
    assert main(["--root", str(tmp_path), "report", "00_welcome"]) != 0
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: no gradebook") and "\n" not in error, f"one clear line expected, got {error!r}"
    ensure_assignment_in_gradebook(layout, "00_welcome")
    with pytest.raises(ReportError, match="nothing of 00_welcome has been graded"):
        write_report(layout, "00_welcome")
    with pytest.raises(ReportError, match="no assignment 'nope'"):
        write_report(layout, "nope")
    assert main(["--root", str(tmp_path), "report", "nope"]) != 0
    assert "unknown assignment" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()
