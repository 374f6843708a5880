# why: two phases: every replica first collects the snapshots it can get, then every replica applies them
def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    received = {}
    for me in cluster.replica_names:
        received[me] = []
        for other in cluster.replica_names:
            if other != me:
                try:
                    received[me].append(cluster.call(me, other, "snapshot"))
                except Unreachable:
                    pass
    changed = set()
    for me, snapshots in received.items():
        for snapshot in snapshots:
            for key, (version, value) in snapshot.items():
                if cluster.replicas[me].write(key, version, value):
                    changed.add((me, key))
    return changed
