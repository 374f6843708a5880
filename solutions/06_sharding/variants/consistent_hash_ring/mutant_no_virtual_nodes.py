# why: places each node at a single point and ignores vnodes: arcs (and load) are very uneven
import bisect

from eng101.sharding import stable_hash


class ConsistentHashRing:
    """Nodes at `vnodes` points each on a ring of 64-bit hashes; a key belongs to the next point."""

    def __init__(self, nodes, vnodes=100):
        if vnodes < 1:
            raise ValueError("vnodes must be at least 1")
        self.vnodes = vnodes
        self.nodes = set()
        self._points = []
        for node in nodes:
            self.add_node(node)

    def add_node(self, node):
        if node in self.nodes:
            raise ValueError(f"{node!r} is already on the ring")
        self.nodes.add(node)
        bisect.insort(self._points, (stable_hash(f"{node}#0"), node))

    def remove_node(self, node):
        if node not in self.nodes:
            raise ValueError(f"{node!r} is not on the ring")
        self.nodes.remove(node)
        self._points = [point for point in self._points if point[1] != node]

    def node_for(self, key):
        if not self._points:
            raise ValueError("the ring has no nodes")
        index = bisect.bisect_left(self._points, (stable_hash(key),))
        return self._points[index % len(self._points)][1]
