"""Fault-injection harness for 16_ha_ft_dr: leases, fenced storage, replication lag, seeded replicas.

Everything that is about *time* here runs on a fake clock (``eng101.simnet.FakeClock``) or
on a few milliseconds of real sleeping, so the notebook's faults (a GC pause, a partition, a
slow replica) are exact and fast. Nothing here is an exercise answer.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from eng101.simnet import FakeClock

__all__ = [
    "FakeClock",
    "FencedStorage",
    "Lease",
    "ReplicaCall",
    "failover_loss",
    "percentile",
    "seeded_replica",
    "simulate_pair_uptime",
]


@dataclass(frozen=True)
class Lease:
    """A time-limited grant: ``holder`` may act as leader until ``expires_at`` (controller clock)."""

    holder: str
    token: int
    expires_at: float


@dataclass
class FencedStorage:
    """Storage that checks fencing tokens (Kleppmann 2016; Chubby's "sequencers").

    A write carries the writer's token; it is accepted only if the token is at least the
    highest token the storage has seen, from a write or from :meth:`fence`. A deposed leader
    holds an older token, so once the new token is known here, its writes are refused.
    """

    highest: int = 0
    accepted: list[tuple[int, str, object]] = field(default_factory=list)
    rejected: list[tuple[int, str, object]] = field(default_factory=list)

    def fence(self, token: int) -> None:
        """Tell the storage about a newly issued token: every lower one is refused from now on."""
        if type(token) is not int:
            raise TypeError(f"a fencing token is an int, got {type(token).__name__}")
        self.highest = max(self.highest, token)

    def write(self, token: int, writer: str, item: object) -> bool:
        """Accept ``item`` from ``writer`` if ``token`` is not older than the highest seen."""
        if type(token) is not int or token < self.highest:
            self.rejected.append((token, writer, item))
            return False
        self.highest = token
        self.accepted.append((token, writer, item))
        return True


def failover_loss(mode: str, writes: int, lag: int, crash_after: int) -> tuple[list[int], list[int]]:
    """Leader-follower replication of numbered writes; the leader crashes, the follower takes over.

    ``mode`` is ``"sync"`` (a write is acknowledged after the follower has it) or ``"async"``
    (acknowledged at once; the follower receives write *i* when write *i + lag* is made).
    The leader crashes after ``crash_after`` writes. Returns (acknowledged, lost): the writes
    the clients were told succeeded, and those of them the promoted follower does not have.
    """
    if mode not in ("sync", "async"):
        raise ValueError("mode is 'sync' or 'async'")
    if lag < 0 or not 0 <= crash_after <= writes:
        raise ValueError("lag must be >= 0 and 0 <= crash_after <= writes")
    follower: list[int] = []
    acknowledged: list[int] = []
    for number in range(crash_after):
        if mode == "sync":
            follower.append(number)  # shipped and confirmed before the client hears "ok"
            acknowledged.append(number)
        else:
            acknowledged.append(number)  # "ok" at once; shipping happens later
            if number - lag >= 0:
                follower.append(number - lag)
    have = set(follower)
    return acknowledged, [number for number in acknowledged if number not in have]


def simulate_pair_uptime(
    availability: float, common_mode_share: float, hours: int, seed: int
) -> tuple[float, float]:
    """Hour-by-hour simulation of two redundant replicas; returns (one replica's, the pair's) uptime.

    Each hour each replica is down with probability ``1 - availability``. A ``common_mode_share``
    of the downtime comes from causes both share (same power feed, same bad deploy, same region):
    in such an hour both are down together. The pair is up when at least one replica is.
    """
    if not 0 <= availability <= 1 or not 0 <= common_mode_share <= 1 or hours < 1:
        raise ValueError("availability and common_mode_share in [0, 1], hours >= 1")
    rng = random.Random(seed)
    unavailability = 1 - availability
    shared = unavailability * common_mode_share  # P(a common cause this hour)
    own = (unavailability - shared) / (1 - shared) if shared < 1 else 0.0  # keeps each replica's total
    first_up = pair_up = 0
    for _ in range(hours):
        common = rng.random() < shared
        first = not common and rng.random() >= own
        second = not common and rng.random() >= own
        first_up += first
        pair_up += first or second
    return first_up / hours, pair_up / hours


@dataclass
class ReplicaCall:
    """One call made to a :func:`seeded_replica`: when it started and whether it was cancelled."""

    started: float
    delay: float
    cancelled: bool = False


def seeded_replica(
    name: str, seed: int, fast: float = 0.001, slow: float = 0.03, slow_share: float = 0.05
) -> tuple[Callable[[threading.Event], str], list[ReplicaCall]]:
    """A replica to read from: a callable ``replica(cancel) -> str`` and the list of its calls.

    Each call takes ``fast`` seconds, or ``slow`` seconds with probability ``slow_share`` (a
    seeded draw per call: a GC pause, a busy neighbour, a queue). It waits on ``cancel``, so a
    caller that sets the event ends the request early (then it returns ``"cancelled"``).
    """
    import time

    rng = random.Random(seed)
    calls: list[ReplicaCall] = []
    lock = threading.Lock()

    def replica(cancel: threading.Event) -> str:
        with lock:
            delay = slow if rng.random() < slow_share else fast
            call = ReplicaCall(time.perf_counter(), delay)
            calls.append(call)
        if cancel.wait(delay):
            call.cancelled = True
            return "cancelled"
        return name

    return replica, calls


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method."""
    if not values or not 0 < q <= 100:
        raise ValueError("need values and 0 < q <= 100")
    ordered = sorted(values)
    rank = -(-len(ordered) * q // 100)  # ceil(n * q / 100)
    return ordered[int(rank) - 1]
