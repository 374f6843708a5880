"""A seeded, simulated network on a fake clock, and a recorder of operation histories.

Distributed-systems notebooks (CAP, sharding, scalability) need failures on demand and
results that repeat exactly: real sockets cannot be partitioned on cue, and wall-clock time
makes histories differ from run to run. So the network here is simulated, but honestly so:
every message is counted, takes a seeded random latency on a :class:`FakeClock`, and is
refused while the two nodes are on different sides of a partition or one has crashed.

Message passing is synchronous request/response (:meth:`SimNetwork.call`): the caller gets
the handler's result, or :class:`Unreachable` after a timeout, exactly what a client of a
replicated store sees. :class:`History` records when each operation was invoked and when it
completed, the input a linearizability checker needs (Herlihy & Wing, 1990).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeClock", "History", "Operation", "SimNetwork", "Unreachable"]


class FakeClock:
    """Simulated seconds that move only when told to; optional scheduled callbacks.

    ``advance`` runs every callback that falls due, in time order (ties in scheduling order),
    so an autoscaler or a gossip round can be driven deterministically.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._queue: list[tuple[float, int, Callable[[], Any]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (≥ 0), running callbacks that fall due; return the new time."""
        if seconds < 0:
            raise ValueError(f"time cannot go backwards (advance by {seconds})")
        return self.advance_to(self._now + seconds)

    def advance_to(self, when: float) -> float:
        if when < self._now:
            raise ValueError(f"time cannot go backwards (from {self._now} to {when})")
        while self._queue and self._queue[0][0] <= when:
            due, _, callback = heapq.heappop(self._queue)
            self._now = due
            callback()
        self._now = float(when)
        return self._now

    sleep = advance

    def call_at(self, when: float, callback: Callable[[], Any]) -> None:
        if when < self._now:
            raise ValueError(f"cannot schedule in the past ({when} < now {self._now})")
        heapq.heappush(self._queue, (float(when), next(self._order), callback))

    def call_later(self, delay: float, callback: Callable[[], Any]) -> None:
        self.call_at(self._now + delay, callback)

    def pending(self) -> int:
        return len(self._queue)


class Unreachable(ConnectionError):
    """The destination did not answer: a partition, a crashed node or a lost message.

    The caller cannot tell which, as on a real network; it only waited for the timeout.
    """


@dataclass
class SimNetwork:
    """Nodes that exchange request/response messages with seeded latency, loss and partitions.

    ``latency`` is the (low, high) range of one-way delays in seconds; ``loss`` the probability
    that a message is dropped; ``timeout`` how long a caller waits before giving up.
    """

    nodes: Iterable[Hashable]
    seed: int = 0
    clock: FakeClock = field(default_factory=FakeClock)
    latency: tuple[float, float] = (0.001, 0.005)
    loss: float = 0.0
    timeout: float = 0.1

    def __post_init__(self) -> None:
        self.nodes = list(self.nodes)
        if len(set(self.nodes)) != len(self.nodes):
            raise ValueError("node names must be unique")
        low, high = self.latency
        if not 0 <= low <= high:
            raise ValueError(f"latency must be a range 0 <= low <= high, got {self.latency}")
        if not 0 <= self.loss < 1:
            raise ValueError(f"loss must be a probability in [0, 1), got {self.loss}")
        self._random = random.Random(self.seed)
        self._side: dict[Hashable, int] = dict.fromkeys(self.nodes, 0)
        self._crashed: set[Hashable] = set()
        self._planned_losses: dict[tuple[Hashable, Hashable], int | None] = {}
        self.sent: Counter[tuple[Hashable, Hashable]] = Counter()
        self.dropped = 0

    # -- failures -------------------------------------------------------------------
    def partition(self, *groups: Iterable[Hashable]) -> None:
        """Split the network: nodes talk only within their group; unnamed nodes are cut off alone."""
        named = [list(group) for group in groups]
        seen = [node for group in named for node in group]
        unknown = set(seen) - set(self.nodes)
        if unknown:
            raise ValueError(f"unknown nodes in partition: {sorted(map(str, unknown))}")
        if len(seen) != len(set(seen)):
            raise ValueError("a node can be on only one side of a partition")
        self._side = {}
        for index, group in enumerate(named):
            self._side |= dict.fromkeys(group, index)
        for offset, node in enumerate(n for n in self.nodes if n not in self._side):
            self._side[node] = len(named) + offset

    def heal(self) -> None:
        """End every partition (crashed nodes stay down)."""
        self._side = dict.fromkeys(self.nodes, 0)

    def crash(self, node: Hashable) -> None:
        self._check_node(node)
        self._crashed.add(node)

    def recover(self, node: Hashable) -> None:
        self._check_node(node)
        self._crashed.discard(node)

    def lose_messages(self, source: Hashable, destination: Hashable, count: int | None = None) -> None:
        """Lose the next ``count`` messages from ``source`` to ``destination`` (every one if None).

        A deterministic fault plan: one direction of one link, e.g. the reply a replica sends after
        it has already acted. Unlike a partition it is invisible to :meth:`can_reach`, as a lost
        message is on a real network; only the sender's timeout reveals it. :meth:`stop_losing` ends it.
        """
        self._check_node(source)
        self._check_node(destination)
        if count is not None and count < 1:
            raise ValueError(f"count must be at least 1 (or None for every message), got {count}")
        self._planned_losses[(source, destination)] = count

    def stop_losing(self) -> None:
        """Cancel every plan made with :meth:`lose_messages`."""
        self._planned_losses.clear()

    def _planned_loss(self, source: Hashable, destination: Hashable) -> bool:
        link = (source, destination)
        if link not in self._planned_losses:
            return False
        left = self._planned_losses[link]
        if left is not None:
            if left <= 1:
                del self._planned_losses[link]
            else:
                self._planned_losses[link] = left - 1
        return True

    def is_up(self, node: Hashable) -> bool:
        self._check_node(node)
        return node not in self._crashed

    def can_reach(self, source: Hashable, destination: Hashable) -> bool:
        self._check_node(source)
        self._check_node(destination)
        both_up = source not in self._crashed and destination not in self._crashed
        return both_up and self._side[source] == self._side[destination]

    # -- messages -------------------------------------------------------------------
    def send(self, source: Hashable, destination: Hashable) -> float:
        """Deliver one message: advance the clock by its latency and return it, or raise Unreachable."""
        self._check_node(source)
        self._check_node(destination)
        self.sent[(source, destination)] += 1
        if source == destination:
            return 0.0
        lost = self._planned_loss(source, destination) or (self.loss > 0 and self._random.random() < self.loss)
        if lost or not self.can_reach(source, destination):
            self.dropped += 1
            self.clock.advance(self.timeout)
            raise Unreachable(f"{destination} did not answer {source} within {self.timeout * 1000:.0f} ms")
        delay = self._random.uniform(*self.latency)
        self.clock.advance(delay)
        return delay

    def call(self, source: Hashable, destination: Hashable, handler: Callable[..., Any], *args: Any) -> Any:
        """Request/response: the request travels, ``handler(*args)`` runs at the destination, the reply travels back.

        Two messages when it succeeds. If the reply is lost the handler has still run —
        the ambiguity that makes retries need idempotence.
        """
        self.send(source, destination)
        result = handler(*args)
        self.send(destination, source)
        return result

    @property
    def messages(self) -> int:
        """Messages sent so far (including dropped ones and a node's messages to itself)."""
        return sum(self.sent.values())

    def reset_counts(self) -> None:
        self.sent.clear()
        self.dropped = 0

    def _check_node(self, node: Hashable) -> None:
        if node not in self._side:
            raise ValueError(f"unknown node {node!r}; the network has {self.nodes}")


@dataclass(frozen=True)
class Operation:
    """One client operation on a register: invoked and completed at fake-clock times.

    ``value`` is what a write wrote or what a read returned; ``ok`` is False when the operation
    failed or timed out (its effect is then unknown, so a checker must allow both outcomes for
    a failed write).
    """

    client: Hashable
    kind: str
    key: Hashable
    value: Any
    invoked: float
    completed: float
    ok: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("read", "write"):
            raise ValueError(f"kind must be 'read' or 'write', got {self.kind!r}")
        if self.completed < self.invoked:
            raise ValueError("an operation cannot complete before it is invoked")


@dataclass
class History:
    """Operations in the order they completed, timed on ``clock``.

    Use :meth:`invoke` and :meth:`complete` when operations overlap (several clients in
    flight), or :meth:`run` for one operation that runs to completion right away.
    """

    clock: FakeClock
    operations: list[Operation] = field(default_factory=list)
    _open: dict[int, tuple[Hashable, str, Hashable, Any, float]] = field(default_factory=dict, repr=False)
    _ids: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def invoke(self, client: Hashable, kind: str, key: Hashable, value: Any = None) -> int:
        ticket = next(self._ids)
        self._open[ticket] = (client, kind, key, value, self.clock.now())
        return ticket

    def complete(self, ticket: int, value: Any = None, ok: bool = True) -> Operation:
        """Finish an invoked operation; for a read, ``value`` is what it returned."""
        client, kind, key, written, invoked = self._open.pop(ticket)
        recorded = written if kind == "write" else value
        operation = Operation(client, kind, key, recorded, invoked, self.clock.now(), ok)
        self.operations.append(operation)
        return operation

    def run(self, client: Hashable, kind: str, key: Hashable, action: Callable[[], Any], value: Any = None) -> Any:
        """Invoke, run ``action()`` and complete; an exception from it records a failed operation and propagates."""
        ticket = self.invoke(client, kind, key, value)
        try:
            result = action()
        except Exception:
            self.complete(ticket, ok=False)
            raise
        self.complete(ticket, result if kind == "read" else None)
        return result

    def for_key(self, key: Hashable) -> list[Operation]:
        return [operation for operation in self.operations if operation.key == key]
