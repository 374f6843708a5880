"""The replicated key-value store's building blocks (eng101.replication), used by notebook 02_cap."""

from __future__ import annotations

import math

import pytest

from eng101.replication import (
    UNWRITTEN,
    Cluster,
    Replica,
    Unavailable,
    Version,
    fan_out_round_trips,
    history_table,
    plot_history,
    run_workload,
)
from eng101.simnet import Unreachable


def test_replica_keeps_the_newest_version_and_acknowledges_older_ones() -> None:
    replica = Replica("r1")
    assert replica.read("x") == (UNWRITTEN, None)
    assert replica.write("x", Version(2.0, "bob"), "b")
    assert not replica.write("x", Version(1.0, "alice"), "a")  # older: ignored
    assert not replica.write("x", Version(2.0, "bob"), "b")  # the same write again: idempotent
    assert replica.write("x", Version(2.0, "carol"), "c")  # same time: the writer's name breaks the tie
    assert replica.read("x") == (Version(2.0, "carol"), "c")
    assert replica.snapshot() == {"x": (Version(2.0, "carol"), "c")}
    assert UNWRITTEN < Version(-1e9, "")


def test_an_interleaved_action_runs_once_after_the_request_is_handled() -> None:
    replica = Replica("r1")
    seen = []
    replica.after_next_request(lambda: seen.append(replica.read("x")))
    replica.write("x", Version(1.0, "a"), 1)  # the action sees the write, and runs only once
    replica.write("x", Version(2.0, "a"), 2)
    assert seen == [(Version(1.0, "a"), 1)]
    replica.after_next_request(lambda: replica.write("x", Version(3.0, "b"), 3))
    assert replica.read("x") == (Version(2.0, "a"), 2)  # the read's answer was taken before the action
    assert replica.read("x")[1] == 3
    replica.after_next_request(lambda: seen.append("never"))
    replica.cancel_interleavings()
    replica.read("x")
    assert seen[-1] != "never"


def test_cluster_calls_go_over_the_network_and_fail_across_a_partition() -> None:
    cluster = Cluster(3, clients=["alice", "bob"], seed=4)
    assert cluster.n == 3 and cluster.replica_names == ["r1", "r2", "r3"]
    assert sorted(cluster.preference("alice")) == ["r1", "r2", "r3"]
    version = cluster.timestamp("alice")
    assert cluster.call("alice", "r2", "write", "x", version, "v") is True
    assert cluster.call("bob", "r2", "read", "x") == (version, "v")
    assert cluster.net.messages == 4 and cluster.clock.now() > 0
    assert cluster.values("x") == {"r1": None, "r2": "v", "r3": None}
    cluster.partition({"alice", "r1"}, {"bob", "r2", "r3"})
    assert cluster.reachable("alice") == ["r1"]
    with pytest.raises(Unreachable):
        cluster.call("alice", "r2", "read", "x")
    cluster.heal()
    cluster.crash("r3")
    assert "r3" not in cluster.reachable("bob")
    assert "(down)" in cluster.describe(["x"])
    with pytest.raises(ValueError):
        cluster.call("alice", "r1", "delete", "x")
    with pytest.raises(ValueError):
        cluster.call("alice", "r9", "read", "x")


def test_preferences_are_seeded_per_client_and_can_be_given() -> None:
    first = Cluster(5, clients=["a", "b", "c"], seed=1)
    again = Cluster(5, clients=["a", "b", "c"], seed=1)
    assert all(first.preference(c) == again.preference(c) for c in "abc")
    assert len({tuple(first.preference(c)) for c in "abc"}) > 1  # clients start at different replicas
    given = Cluster(3, clients=["a"], preferences={"a": ["r3", "r1", "r2"]})
    assert given.preference("a") == ["r3", "r1", "r2"]
    with pytest.raises(ValueError):
        Cluster(3, clients=["a"], preferences={"a": ["r1", "r1", "r2"]})
    with pytest.raises(ValueError):
        Cluster(3, clients=["r1"])
    with pytest.raises(ValueError):
        Cluster(0)
    with pytest.raises(ValueError):
        Cluster(3, clients=["a"], skew={"zed": 1.0})


def test_timestamps_follow_the_clients_skewed_clock() -> None:
    cluster = Cluster(3, clients=["alice", "bob"], skew={"bob": -0.5})
    cluster.clock.advance(1.0)
    assert cluster.timestamp("alice") == Version(1.0, "alice")
    assert cluster.timestamp("bob") == Version(0.5, "bob")


def _simple_store(cluster: Cluster, quorum: int):
    """A deliberately simple store for driving the workload: write to / read from the first `quorum` reachable."""

    def put(client, key, value):
        version, acks = cluster.timestamp(client), 0
        for replica in cluster.preference(client):
            try:
                cluster.call(client, replica, "write", key, version, value)
            except Unreachable:
                continue
            acks += 1
            if acks == quorum:
                return version
        raise Unavailable("not enough replicas")

    def get(client, key):
        replies = []
        for replica in cluster.preference(client):
            try:
                replies.append(cluster.call(client, replica, "read", key))
            except Unreachable:
                continue
            if len(replies) == quorum:
                return max(replies, key=lambda reply: reply[0])[1]
        raise Unavailable("not enough replicas")

    return put, get


def test_workload_is_deterministic_overlaps_and_records_failures() -> None:
    def run(seed: int):
        cluster = Cluster(3, seed=seed)
        put, get = _simple_store(cluster, 2)
        ops = run_workload(cluster, put, get, steps=40, seed=seed, overlap=0.5, partitions=0.3)
        return [(o.client, o.kind, o.value, o.invoked, o.completed, o.ok) for o in ops]

    assert run(3) == run(3) and run(3) != run(4)
    ops = run(3)
    writes = [value for _, kind, value, *_ in sorted(ops, key=lambda o: o[3]) if kind == "write"]
    assert writes == sorted(writes) and len(set(writes)) == len(writes)  # unique, increasing in invocation order
    overlapping = any(a[3] < b[3] < a[4] for a in ops for b in ops if a is not b)
    assert overlapping, "some operations must overlap"
    assert any(not ok for *_, ok in ops), "partitions must make some operations fail"
    assert len(ops) > 40  # nested operations are extra


def test_fan_out_round_trips_sorted_and_unreachable_is_infinite() -> None:
    cluster = Cluster(5, clients=["alice"], seed=0, latency=(0.01, 0.02))
    rounds = fan_out_round_trips(cluster, "alice", rounds=3)
    assert len(rounds) == 3 and all(len(times) == 5 and times == sorted(times) for times in rounds)
    assert all(0.02 <= t <= 0.04 for times in rounds for t in times)
    cluster.partition({"alice", "r1", "r2"})
    times = fan_out_round_trips(cluster, "alice", rounds=1)[0]
    assert times[2:] == [math.inf] * 3 and times[1] < math.inf


def test_history_views() -> None:
    cluster = Cluster(3, clients=["alice", "bob"], seed=0)
    put, get = _simple_store(cluster, 2)
    cluster.history.run("alice", "write", "x", lambda: put("alice", "x", 1), value=1)
    cluster.partition({"bob"})
    with pytest.raises(Unavailable):
        cluster.history.run("bob", "read", "x", lambda: get("bob", "x"))
    text = history_table(cluster.history.operations)
    lines = text.splitlines()
    assert lines[0].split() == ["client", "operation", "key", "value", "invoked", "completed", "ok"]
    assert "FAILED" in lines[-1] and lines[2].split()[:4] == ["alice", "write", "x", "1"]
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_history(cluster.history.operations, title="t")
    assert [label.get_text() for label in ax.get_yticklabels()] == ["alice", "bob"]
    import matplotlib.pyplot as plt

    plt.close("all")
