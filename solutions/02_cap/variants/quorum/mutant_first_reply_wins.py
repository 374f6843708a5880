# why: waits for r replies but answers with the first one instead of the newest version, so quorum overlap buys nothing
from typing import Any

from eng101.replication import Cluster, Unavailable, Version
from eng101.simnet import Unreachable


def majority(n: int) -> int:
    """The smallest number of replicas that is more than half of n."""
    return n // 2 + 1


def quorum_put(cluster: Cluster, client: str, key: str, value: Any, w: int) -> Version:
    """Write to replicas in the client's preference order until w acknowledged; else Unavailable."""
    if not 1 <= w <= cluster.n:
        raise ValueError(f"w must be between 1 and {cluster.n}, got {w}")
    version = cluster.timestamp(client)
    acknowledged = 0
    for replica in cluster.preference(client):
        try:
            cluster.call(client, replica, "write", key, version, value)
        except Unreachable:
            continue
        acknowledged += 1
        if acknowledged == w:
            return version
    raise Unavailable(f"only {acknowledged} of the {w} acknowledgements needed")


def quorum_get(cluster: Cluster, client: str, key: str, r: int) -> Any:
    """Read from replicas in the client's preference order until r replied; return the newest value."""
    if not 1 <= r <= cluster.n:
        raise ValueError(f"r must be between 1 and {cluster.n}, got {r}")
    replies = []
    for replica in cluster.preference(client):
        try:
            replies.append(cluster.call(client, replica, "read", key))
        except Unreachable:
            continue
        if len(replies) == r:
            return replies[0][1]
    raise Unavailable(f"only {len(replies)} of the {r} replies needed")
