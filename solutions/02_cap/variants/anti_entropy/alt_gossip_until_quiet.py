# why: gossip rounds that PUSH every entry to every reachable peer ("write" requests) until a round changes nothing
from eng101.replication import Cluster
from eng101.simnet import Unreachable


def anti_entropy(cluster: Cluster) -> set[tuple[str, str]]:
    """Every replica pulls every reachable replica's data and keeps the newest version of each key."""
    changed = set()
    while True:
        changed_this_round = False
        for me in cluster.replica_names:
            if not cluster.net.is_up(me):
                continue
            for key, (version, value) in cluster.replicas[me].snapshot().items():
                for peer in cluster.replica_names:
                    if peer == me:
                        continue
                    try:
                        stored = cluster.call(me, peer, "write", key, version, value)
                    except Unreachable:
                        continue
                    if stored:
                        changed.add((peer, key))
                        changed_this_round = True
        if not changed_this_round:
            return changed
