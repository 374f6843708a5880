"""The autoscaling harness: warm-up, termination order, the counts an operator reads, the real trace."""

from __future__ import annotations

import pytest

from eng101.autoscaling import Service, departures_trace, simulate


class Script:
    """Answers from a list, one per minute."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[float, int, int, float]] = []

    def decide(self, now: float, serving: int, warming: int, utilisation: float) -> int:
        self.seen.append((now, serving, warming, utilisation))
        return self.answers.pop(0)


def test_new_instances_serve_after_warmup_but_are_paid_from_launch() -> None:
    service = Service(capacity=100, warmup=120, slo_utilisation=0.85)
    script = Script([4, 4, 4, 4])
    run = simulate([150, 150, 150, 150], script, service, start=2)
    assert run.serving == [2, 2, 4, 4] and run.provisioned == [4, 4, 4, 4]
    assert [round(u, 3) for u in run.utilisation] == [0.75, 0.75, 0.375, 0.375]
    assert [(serving, warming) for _, serving, warming, _ in script.seen] == [(2, 0), (2, 2), (4, 0), (4, 0)]
    assert run.instance_hours == pytest.approx(16 / 60) and run.changes == [(0.0, 2, 4)]
    assert run.slo_violation_minutes == 0


def test_termination_cancels_warming_instances_first_and_slo_minutes_count() -> None:
    service = Service(capacity=100, warmup=600)
    run = simulate([300, 300, 300], Script([5, 3, 2]), service, start=2)
    assert run.serving == [2, 2, 2] and run.provisioned == [5, 3, 2]
    assert run.slo_violation_minutes == 3  # 300 req/s on 2 serving instances: 150 %
    assert run.direction_changes == 1  # out, then in, then in again: one reversal
    run = simulate([50] * 4, Script([3, 1, 3, 1]), Service(warmup=0), start=1)
    assert run.direction_changes == 3


def test_bad_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="int >= 1"):
        simulate([10], Script([0]))
    with pytest.raises(ValueError, match="int >= 1"):
        simulate([10], Script([2.5]))  # type: ignore[list-item]
    with pytest.raises(ValueError):
        simulate([10], Script([1]), start=0)


def test_departures_trace_follows_the_day() -> None:
    week = departures_trace("2013-07-08", days=7)
    assert len(week) == 7 * 24 * 60 and min(week) >= 0
    night = week[3 * 60]  # Monday 03:00 New York: no departures
    morning = week[8 * 60]  # Monday 08:00: the morning bank
    assert night == 0 and morning > 1000
    assert departures_trace("2013-07-08", days=1, step=3600)[8] == pytest.approx(morning)
