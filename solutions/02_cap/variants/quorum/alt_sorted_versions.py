# why: a generator of the replies that answered, itertools.islice for the first r, and sorting by version
from typing import Any

from eng101.replication import Cluster, Unavailable, Version
from eng101.simnet import Unreachable


def majority(n: int) -> int:
    """The smallest number of replicas that is more than half of n."""
    return next(size for size in range(1, n + 1) if 2 * size > n)


def _answers(cluster: Cluster, client: str, request: str, *args):
    for replica in cluster.preference(client):
        try:
            yield cluster.call(client, replica, request, *args)
        except Unreachable:
            continue


def quorum_put(cluster: Cluster, client: str, key: str, value: Any, w: int) -> Version:
    """Write to replicas in the client's preference order until w acknowledged; else Unavailable."""
    import itertools

    if w not in range(1, cluster.n + 1):
        raise ValueError("w out of range")
    version = cluster.timestamp(client)
    acks = list(itertools.islice(_answers(cluster, client, "write", key, version, value), w))
    if len(acks) < w:
        raise Unavailable("not enough acknowledgements")
    return version


def quorum_get(cluster: Cluster, client: str, key: str, r: int) -> Any:
    """Read from replicas in the client's preference order until r replied; return the newest value."""
    import itertools

    if r not in range(1, cluster.n + 1):
        raise ValueError("r out of range")
    replies = list(itertools.islice(_answers(cluster, client, "read", key), r))
    if len(replies) < r:
        raise Unavailable("not enough replies")
    replies.sort(key=lambda reply: reply[0])
    return replies[-1][1]
