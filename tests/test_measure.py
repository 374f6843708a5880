from __future__ import annotations

import re
from pathlib import Path

import pytest

from eng101.measure import Timing, format_seconds, format_speedup, time_repeated, under_grader

from .conftest import REPO_ROOT


def test_time_repeated_counts_runs_and_warmups() -> None:
    calls = []
    timing = time_repeated(lambda: calls.append(1), repeat=4, warmup=2)
    assert len(calls) == 6 and len(timing.runs) == 4
    assert timing.spread[0] <= timing.median <= timing.spread[1]
    with pytest.raises(ValueError):
        time_repeated(lambda: None, repeat=0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(2.5, "2.5 s"), (0.0123, "12.3 ms"), (4.2e-5, "42 µs"), (7e-9, "7 ns"), (0.0, "0 ns")],
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def _sanitize_patterns() -> list[tuple[str, str]]:
    lines = (REPO_ROOT / "tests" / "nbval_sanitize.cfg").read_text().splitlines()
    regexes = [line.split(":", 1)[1].strip() for line in lines if line.startswith("regex:")]
    replaces = [line.split(":", 1)[1].strip() for line in lines if line.startswith("replace:")]
    return list(zip(regexes, replaces, strict=True))


def test_printed_timings_are_masked_for_nbval() -> None:
    text = f"{Timing((0.0123, 0.0150, 0.0101))} and {format_speedup(3.0, 1.25)}"
    for regex, replace in _sanitize_patterns():
        text = re.sub(regex, replace, text)
    assert not re.search(r"\d", text.replace("n=3", "")), text
    assert Path(REPO_ROOT / "tests" / "nbval_sanitize.cfg").exists()


def test_under_the_grader_demos_time_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not under_grader()
    assert len(time_repeated(lambda: calls.append(1), repeat=4).runs) == 4 and len(calls) == 5
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    calls.clear()
    assert under_grader()
    assert len(time_repeated(lambda: calls.append(1), repeat=4).runs) == 1 and len(calls) == 1
