# why: learns the keys from each peer's snapshot, then fetches every key with its own "read" request before storing it
def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    changed = set()
    for me in cluster.replica_names:
        for other in cluster.replica_names:
            if other == me:
                continue
            try:
                keys = list(cluster.call(me, other, "snapshot"))
                replies = {key: cluster.call(me, other, "read", key) for key in keys}
            except Unreachable:
                continue
            for key, (version, value) in replies.items():
                if cluster.replicas[me].write(key, version, value):
                    changed.add((me, key))
    return changed
