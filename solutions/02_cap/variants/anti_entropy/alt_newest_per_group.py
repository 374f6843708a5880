# why: each replica first gathers all reachable snapshots, computes the newest entry per key, then applies only those
from eng101.replication import Cluster
from eng101.simnet import Unreachable


def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    repaired = []
    for me in cluster.replica_names:
        snapshots = [cluster.replicas[me].snapshot()] if cluster.net.is_up(me) else []
        for other in (name for name in cluster.replica_names if name != me):
            try:
                snapshots.append(cluster.call(me, other, "snapshot"))
            except Unreachable:
                pass
        newest = {}
        for snapshot in snapshots:
            for key, entry in snapshot.items():
                if key not in newest or entry[0] > newest[key][0]:
                    newest[key] = entry
        mine = cluster.replicas[me].snapshot()
        for key, (version, value) in newest.items():
            if key not in mine or version > mine[key][0]:
                cluster.replicas[me].write(key, version, value)
                repaired.append((me, key))
    return set(repaired)
