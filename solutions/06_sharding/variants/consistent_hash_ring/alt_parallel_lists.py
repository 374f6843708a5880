# why: keeps hashes and owners in a dict plus a sorted list of hashes, wraps with modulo
import bisect

from eng101.sharding import stable_hash


class ConsistentHashRing:
    """Nodes at `vnodes` points each on a ring of 64-bit hashes; a key belongs to the next point."""

    def __init__(self, nodes, vnodes=100):
        if vnodes < 1:
            raise ValueError(f"vnodes={vnodes}: need at least one point per node")
        self._vnodes = vnodes
        self._owner = {}
        self._hashes = []
        for node in nodes:
            self.add_node(node)

    @property
    def nodes(self):
        return set(self._owner.values())

    def add_node(self, node):
        if node in self.nodes:
            raise ValueError("duplicate node")
        for i in range(self._vnodes):
            point = stable_hash(f"{node}#{i}")
            self._owner[point] = node
            bisect.insort(self._hashes, point)

    def remove_node(self, node):
        if node not in self.nodes:
            raise ValueError("unknown node")
        for i in range(self._vnodes):
            point = stable_hash(f"{node}#{i}")
            del self._owner[point]
            self._hashes.remove(point)

    def node_for(self, key):
        if not self._hashes:
            raise ValueError("empty ring")
        position = bisect.bisect_left(self._hashes, stable_hash(key)) % len(self._hashes)
        return self._owner[self._hashes[position]]
