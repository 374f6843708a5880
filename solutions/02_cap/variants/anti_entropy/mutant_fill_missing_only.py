# why: copies only the keys a replica does not have yet, so a key written on both sides of a partition never converges
from eng101.replication import Cluster
from eng101.simnet import Unreachable


def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    changed = set()
    for me in cluster.replica_names:
        mine = cluster.replicas[me].snapshot()
        for other in cluster.replica_names:
            if other == me:
                continue
            try:
                their_data = cluster.call(me, other, "snapshot")
            except Unreachable:
                continue
            for key, (version, value) in their_data.items():
                if key not in mine:
                    cluster.replicas[me].write(key, version, value)
                    mine[key] = (version, value)
                    changed.add((me, key))
    return changed
