# why: collects the acknowledging replicas and the replies in lists and picks the newest with max(); validation shared
from typing import Any

from eng101.replication import Cluster, Unavailable, Version
from eng101.simnet import Unreachable


def majority(n: int) -> int:
    """The smallest number of replicas that is more than half of n."""
    import math

    return math.floor(n / 2) + 1


def _check_quorum(cluster: Cluster, size: int) -> None:
    if size < 1 or size > len(cluster.replica_names):
        raise ValueError(f"a quorum must be 1..{len(cluster.replica_names)} replicas, got {size}")


def quorum_put(cluster: Cluster, client: str, key: str, value: Any, w: int) -> Version:
    """Write to replicas in the client's preference order until w acknowledged; else Unavailable."""
    _check_quorum(cluster, w)
    version = cluster.timestamp(client)
    stored_on = []
    remaining = cluster.preference(client)
    while remaining and len(stored_on) < w:
        replica = remaining.pop(0)
        try:
            cluster.call(client, replica, "write", key, version, value)
            stored_on.append(replica)
        except Unreachable:
            pass
    if len(stored_on) < w:
        raise Unavailable(f"stored on {stored_on}, needed {w}")
    return version


def quorum_get(cluster: Cluster, client: str, key: str, r: int) -> Any:
    """Read from replicas in the client's preference order until r replied; return the newest value."""
    _check_quorum(cluster, r)
    replies = []
    for replica in cluster.preference(client):
        if len(replies) == r:
            break
        try:
            replies.append(cluster.call(client, replica, "read", key))
        except Unreachable:
            pass
    if len(replies) < r:
        raise Unavailable(f"{len(replies)} replies, needed {r}")
    return max(replies, key=lambda reply: reply[0])[1]
