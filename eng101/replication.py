"""Replicas of a key-value store on the simulated network, for the CAP notebook (``solutions/02_cap``).

The notebook's exercises write the *client* side of a replicated store (quorum reads and writes,
anti-entropy, a linearizability checker). This module holds what they stand on, so no notebook
pastes it: :class:`Replica` (one copy of the data, last-writer-wins by :class:`Version`),
:class:`Cluster` (N replicas and some clients as nodes of a :class:`~eng101.simnet.SimNetwork`,
each client with its own preference order of replicas, as in Dynamo), a workload driver that
produces overlapping operations without threads, the round-trip measurements behind the PACELC
demo, and plain-text/matplotlib views of histories.

Everything is deterministic for a given seed: the network's latencies and losses come from
:class:`~eng101.simnet.SimNetwork`, preference orders and workloads from seeded
:class:`random.Random` instances.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from eng101.simnet import FakeClock, History, Operation, SimNetwork, Unreachable

__all__ = [
    "UNWRITTEN",
    "Cluster",
    "Replica",
    "Unavailable",
    "Version",
    "fan_out_round_trips",
    "history_table",
    "plot_history",
    "run_workload",
]


class Version(NamedTuple):
    """When a value was written and by whom; versions compare by time, then writer name.

    ``time`` is the writer's clock when it started the write. The writer's name breaks ties, so
    two writes never carry equal versions and every replica picks the same winner.
    """

    time: float
    writer: str


#: The version of a key nobody wrote: older than every real version.
UNWRITTEN = Version(-math.inf, "")


class Unavailable(Exception):
    """The store refused to answer: fewer replicas answered than the operation needs.

    This is the *C* choice of CAP made visible: rather than risk a stale or lost answer, a
    consistent store returns an error to a client that cannot reach enough replicas.
    """


class Replica:
    """One copy of the data: ``key -> (version, value)``, keeping the newest version of each key.

    ``write`` is last-writer-wins: an older or equal version is acknowledged but ignored, so
    writes can be retried and delivered in any order and every replica ends with the same value.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._data: dict[Hashable, tuple[Version, Any]] = {}
        self._after_next_request: list[Callable[[], Any]] = []

    def read(self, key: Hashable) -> tuple[Version, Any]:
        """The newest ``(version, value)`` this replica holds; ``(UNWRITTEN, None)`` for a key never written."""
        held = self._data.get(key, (UNWRITTEN, None))
        self._run_interleaved()
        return held

    def write(self, key: Hashable, version: Version, value: Any) -> bool:
        """Store ``value`` if ``version`` is newer than what is held; True if it was stored."""
        stored = version > self._data.get(key, (UNWRITTEN, None))[0]
        if stored:
            self._data[key] = (Version(*version), value)
        self._run_interleaved()
        return stored

    def snapshot(self) -> dict[Hashable, tuple[Version, Any]]:
        """A copy of everything held (what one replica sends another during anti-entropy)."""
        held = dict(self._data)
        self._run_interleaved()
        return held

    def after_next_request(self, action: Callable[[], Any]) -> None:
        """Run ``action`` once, right after this replica handles its next request, before it replies.

        The simulated network is synchronous, so this is how another client's operation is made
        to happen *during* one that is in flight: the two then overlap in the history.
        """
        self._after_next_request.append(action)

    def cancel_interleavings(self) -> None:
        self._after_next_request.clear()

    def _run_interleaved(self) -> None:
        actions, self._after_next_request = self._after_next_request, []
        for action in actions:
            action()

    def __repr__(self) -> str:
        return f"Replica({self.name!r}, {len(self._data)} keys)"


class Cluster:
    """``replicas`` replicas (``r1`` … ``rN``) and some clients, all nodes of one simulated network.

    Clients talk to replicas only through :meth:`call`, which sends a request and waits for the
    reply over the network: it costs simulated time and raises
    :class:`~eng101.simnet.Unreachable` across a partition, to a crashed node or when a message
    is lost. Each client contacts replicas in its own :meth:`preference` order (Dynamo's
    preference list); by default a seeded shuffle, so different clients start at different replicas.

    ``skew`` gives a client's clock an offset in seconds: :meth:`timestamp` reads that clock, as a
    real client stamping its writes with its own wall clock would.
    """

    REQUESTS = ("read", "write", "snapshot")

    def __init__(
        self,
        replicas: int = 3,
        clients: Sequence[str] = ("alice", "bob", "carol"),
        *,
        seed: int = 0,
        latency: tuple[float, float] = (0.001, 0.005),
        loss: float = 0.0,
        timeout: float = 0.1,
        skew: Mapping[str, float] | None = None,
        preferences: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if replicas < 1:
            raise ValueError(f"a cluster needs at least one replica, got {replicas}")
        self.replica_names = [f"r{number}" for number in range(1, replicas + 1)]
        self.clients = list(clients)
        clashes = set(self.clients) & set(self.replica_names)
        if clashes:
            raise ValueError(f"client names clash with replica names: {sorted(clashes)}")
        self.seed = seed
        self.net = SimNetwork(self.replica_names + self.clients, seed=seed, clock=FakeClock(),
                              latency=latency, loss=loss, timeout=timeout)
        self.clock = self.net.clock
        self.history = History(self.clock)
        self.replicas = {name: Replica(name) for name in self.replica_names}
        self.skew = dict(skew or {})
        unknown = set(self.skew) - set(self.clients)
        if unknown:
            raise ValueError(f"skew for unknown clients: {sorted(unknown)}")
        self._preferences: dict[str, list[str]] = {}
        for client in self.clients:
            order = random.Random(f"{seed}/{client}").sample(self.replica_names, replicas)
            self._preferences[client] = order
        for client, order in (preferences or {}).items():
            if client not in self.clients:
                raise ValueError(f"preference for unknown client {client!r}")
            if sorted(order) != sorted(self.replica_names):
                raise ValueError(f"the preference of {client!r} must list every replica once, got {list(order)}")
            self._preferences[client] = list(order)

    @property
    def n(self) -> int:
        """The number of replicas, N."""
        return len(self.replica_names)

    def preference(self, client: str) -> list[str]:
        """The order in which ``client`` contacts the replicas (a copy; every replica once)."""
        if client not in self._preferences:
            raise ValueError(f"unknown client {client!r}; the clients are {self.clients}")
        return list(self._preferences[client])

    def call(self, source: str, replica: str, request: str, *args: Any) -> Any:
        """Send ``request`` (``"read"``, ``"write"`` or ``"snapshot"``) to ``replica`` and return its reply.

        Raises :class:`~eng101.simnet.Unreachable` when the request or the reply is lost; a lost
        reply means the replica did act (a write may be stored although the caller saw an error).
        """
        if request not in self.REQUESTS:
            raise ValueError(f"a replica answers {self.REQUESTS}, not {request!r}")
        if replica not in self.replicas:
            raise ValueError(f"unknown replica {replica!r}; the replicas are {self.replica_names}")
        handler = getattr(self.replicas[replica], request)
        return self.net.call(source, replica, handler, *args)

    def timestamp(self, client: str) -> Version:
        """The version a write by ``client`` started now gets: its (possibly skewed) clock and its name."""
        if client not in self._preferences:
            raise ValueError(f"unknown client {client!r}; the clients are {self.clients}")
        return Version(self.clock.now() + self.skew.get(client, 0.0), client)

    # -- failures, passed on to the network ------------------------------------------------
    def partition(self, *groups: Iterable[str]) -> None:
        """Split the network (see :meth:`SimNetwork.partition`); nodes not named are cut off alone."""
        self.net.partition(*groups)

    def heal(self) -> None:
        self.net.heal()

    def crash(self, node: str) -> None:
        self.net.crash(node)

    def recover(self, node: str) -> None:
        self.net.recover(node)

    def reachable(self, client: str) -> list[str]:
        """The replicas ``client`` can reach now, in its preference order.

        An omniscient view for explanations and tests: a real client learns this only by trying.
        """
        return [replica for replica in self.preference(client) if self.net.can_reach(client, replica)]

    # -- an omniscient view of the data -----------------------------------------------------
    def values(self, key: Hashable) -> dict[str, Any]:
        """What each replica holds for ``key`` (None where it was never written), without any message."""
        return {name: replica._data.get(key, (UNWRITTEN, None))[1] for name, replica in self.replicas.items()}

    def versions(self, key: Hashable) -> dict[str, Version]:
        return {name: replica._data.get(key, (UNWRITTEN, None))[0] for name, replica in self.replicas.items()}

    def interleave(self, replica: str, action: Callable[[], Any]) -> None:
        """Run ``action`` when ``replica`` handles its next request (see :meth:`Replica.after_next_request`)."""
        self.replicas[replica].after_next_request(action)

    def cancel_interleavings(self) -> None:
        for replica in self.replicas.values():
            replica.cancel_interleavings()

    def describe(self, keys: Iterable[Hashable]) -> str:
        """A text table: one row per replica, one column per key, the value each replica holds."""
        keys = list(keys)
        rows = [["replica", *map(str, keys)]]
        for name, replica in self.replicas.items():
            up = "" if self.net.is_up(name) else " (down)"
            rows.append([name + up, *(repr(replica._data.get(key, (UNWRITTEN, None))[1]) for key in keys)])
        return _text_table(rows)


def run_workload(
    cluster: Cluster,
    put: Callable[[str, Hashable, Any], Any],
    get: Callable[[str, Hashable], Any],
    *,
    steps: int,
    seed: int,
    keys: Sequence[Hashable] = ("x",),
    overlap: float = 0.3,
    read_share: float = 0.5,
    partitions: float = 0.0,
    first_value: int = 1,
) -> list[Operation]:
    """Random reads and writes by the cluster's clients, recorded in ``cluster.history``; returns them.

    ``put(client, key, value)`` and ``get(client, key)`` are the store's operations (bind R and W
    with a lambda). Writes write the integers ``first_value, first_value + 1, ...`` in the order they
    are invoked, so a larger value is always a later write. With probability ``overlap`` a step
    starts a second client's operation *inside* the first one, when the first one's request reaches
    a random replica: the two operations overlap in time, as concurrent clients do. With probability
    ``partitions`` a step first splits the nodes into two random sides, or heals the network.
    An operation that raises :class:`Unavailable` is recorded as failed (``ok=False``).
    """
    if len(cluster.clients) < 2 and overlap > 0:
        raise ValueError("overlapping operations need at least two clients")
    rng = random.Random(seed)
    start = len(cluster.history.operations)
    next_value = first_value

    def operation(client: str) -> None:
        nonlocal next_value
        key = rng.choice(list(keys))
        try:
            if rng.random() < read_share:
                cluster.history.run(client, "read", key, lambda: get(client, key))
            else:
                value, next_value = next_value, next_value + 1
                cluster.history.run(client, "write", key, lambda: put(client, key, value), value=value)
        except Unavailable:
            pass  # recorded as failed by History.run

    for _ in range(steps):
        if partitions and rng.random() < partitions:
            if rng.random() < 0.3:
                cluster.heal()
            else:
                nodes = cluster.replica_names + cluster.clients
                side = {node for node in nodes if rng.random() < 0.5}
                cluster.partition(side, set(nodes) - side)
        first, second = rng.sample(cluster.clients, 2) if len(cluster.clients) > 1 else (cluster.clients[0], None)
        if second is not None and rng.random() < overlap:
            cluster.interleave(rng.choice(cluster.replica_names), lambda client=second: operation(client))
        operation(first)
        cluster.cancel_interleavings()  # the first operation may never have reached that replica
    return cluster.history.operations[start:]


def fan_out_round_trips(cluster: Cluster, client: str, rounds: int, key: Hashable = "x") -> list[list[float]]:
    """For each of ``rounds`` requests sent to all N replicas at once, the N round-trip times, sorted.

    The simulated network delivers one message at a time, so each round trip is measured on its
    own and the fan-out is reconstructed: a coordinator that sends to every replica in parallel
    and waits for k replies waits for the k-th fastest, ``times[k - 1]``. Unreachable replicas
    count as ``math.inf`` (the client would wait for its timeout and still lack the reply).
    """
    results = []
    for _ in range(rounds):
        times = []
        for replica in cluster.replica_names:
            started = cluster.clock.now()
            try:
                cluster.call(client, replica, "read", key)
            except Unreachable:
                times.append(math.inf)
                continue
            times.append(cluster.clock.now() - started)
        results.append(sorted(times))
    return results


def history_table(operations: Iterable[Operation], unit: float = 1e-3) -> str:
    """The operations as a text table, times in milliseconds (``unit``) since the clock started.

    Times are printed as plain numbers (no unit after them) so they stay visible to nbval; they
    are simulated, hence deterministic.
    """
    rows = [["client", "operation", "key", "value", "invoked", "completed", "ok"]]
    for op in sorted(operations, key=lambda o: (o.invoked, o.completed)):
        rows.append([str(op.client), op.kind, str(op.key), repr(op.value) if op.ok or op.kind == "write" else "?",
                     f"{op.invoked / unit:.1f}", f"{op.completed / unit:.1f}", "yes" if op.ok else "FAILED"])
    return _text_table(rows)


def plot_history(operations: Sequence[Operation], ax: Any = None, title: str = "", unit: float = 1e-3) -> Any:
    """Draw each operation as a bar from invocation to completion, one lane per client; returns the axes.

    Reads are labelled ``r→value``, writes ``w(value)``; failed operations are drawn hatched.
    This is the picture linearizability is defined on: every operation must take effect at one
    instant somewhere inside its bar.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.6 + 0.55 * len({op.client for op in operations})))
    lanes = sorted({str(op.client) for op in operations})
    for op in operations:
        lane = lanes.index(str(op.client))
        start, width = op.invoked / unit, max((op.completed - op.invoked) / unit, 0.05)
        colour = "#9ecae1" if op.kind == "read" else "#fdae6b"
        ax.barh(lane, width, left=start, height=0.5, color=colour, edgecolor="black",
                hatch="//" if not op.ok else None)
        label = f"r→{op.value}" if op.kind == "read" else f"w({op.value})"
        ax.text(start + width / 2, lane, label if op.ok or op.kind == "write" else "r failed",
                ha="center", va="center", fontsize=8)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_xlabel("simulated time (ms)")
    ax.invert_yaxis()
    if title:
        ax.set_title(title)
    return ax


def _text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
