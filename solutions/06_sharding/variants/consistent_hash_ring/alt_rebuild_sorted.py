# why: stores the membership and rebuilds the sorted point list with sorted() after every change
import bisect

from eng101.sharding import stable_hash


class ConsistentHashRing:
    """Nodes at `vnodes` points each on a ring of 64-bit hashes; a key belongs to the next point."""

    def __init__(self, nodes, vnodes=100):
        if vnodes < 1:
            raise ValueError("vnodes must be positive")
        self.vnodes = vnodes
        self.nodes = set(nodes)
        self._rebuild()

    def _rebuild(self):
        self._ring = sorted((stable_hash(f"{n}#{i}"), n) for n in self.nodes for i in range(self.vnodes))
        self._keys = [h for h, _ in self._ring]

    def add_node(self, node):
        if node in self.nodes:
            raise ValueError(node)
        self.nodes.add(node)
        self._rebuild()

    def remove_node(self, node):
        if node not in self.nodes:
            raise ValueError(node)
        self.nodes.discard(node)
        self._rebuild()

    def node_for(self, key):
        if not self._ring:
            raise ValueError("no nodes")
        i = bisect.bisect_left(self._keys, stable_hash(key))
        return self._ring[0][1] if i == len(self._ring) else self._ring[i][1]
