# why: reads the other replicas' objects directly, not over the network: data crosses a partition that has not healed
from eng101.replication import Cluster


def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    changed = set()
    for me in cluster.replica_names:
        if not cluster.net.is_up(me):
            continue
        for other in cluster.replica_names:
            if other == me or not cluster.net.is_up(other):
                continue
            for key, (version, value) in cluster.replicas[other].snapshot().items():
                if cluster.replicas[me].write(key, version, value):
                    changed.add((me, key))
    return changed
