"""Timing that is honest on a noisy machine: repeat, report the median and the spread.

Printed durations use the shapes ``tests/nbval_sanitize.cfg`` masks (``12.3 ms``,
``1.20 s``, ``3.4x speedup``), so notebooks can show real numbers and still pass nbval.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one thing."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.runs), max(self.runs)

    def __str__(self) -> str:
        low, high = (format_seconds(value) for value in self.spread)
        return f"median {format_seconds(self.median)} (range {low} to {high}, n={len(self.runs)})"


def under_grader() -> bool:
    """True while nbgrader (or ``grader``) runs the notebook to grade or validate it.

    nbgrader sets ``NBGRADER_EXECUTION`` to ``autograde`` or ``validate`` in the kernel's
    environment (nbgrader FAQ). Demo outputs are not graded, so demos measure less then:
    a graded run re-executes the whole notebook and should not pay for the measurements.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def time_repeated(function: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> Timing:
    """Run ``function`` ``warmup`` times untimed, then ``repeat`` times timed.

    Under the grader (see :func:`under_grader`) one timed run and no warm-up: the numbers
    are not graded, only the exercises are.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    if under_grader():
        repeat, warmup = 1, 0
    for _ in range(warmup):
        function()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return Timing(tuple(runs))


def format_seconds(seconds: float) -> str:
    """``0.0123`` -> ``12.3 ms``; always a number followed by s, ms, µs or ns."""
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_speedup(baseline: float, candidate: float) -> str:
    """How many times faster ``candidate`` is than ``baseline``: ``3.4x speedup``."""
    if candidate <= 0:
        raise ValueError("candidate time must be positive")
    return f"{baseline / candidate:.1f}x speedup"
