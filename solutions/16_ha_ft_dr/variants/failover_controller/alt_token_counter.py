# why: a separate token counter (itertools.count) and sorting candidates by (-position, index); the lease kept as fields
class FailoverController:
    """Grants leader leases with increasing fencing tokens; promotes a follower once a lease is surely over."""

    def __init__(self, nodes: list[str], clock, storage, lease_seconds: float, max_drift: float):
        import itertools

        self.nodes, self.clock, self.storage = tuple(nodes), clock, storage
        self.lease_seconds, self.max_drift = float(lease_seconds), float(max_drift)
        self._tokens = itertools.count(1)
        self._promote(self.nodes[0])

    def _promote(self, node):
        token = next(self._tokens)
        self.storage.fence(token)
        self._holder, self._token, self._expires = node, token, self.clock.now() + self.lease_seconds

    @property
    def lease(self) -> Lease:
        return Lease(self._holder, self._token, self._expires)

    def renew(self, node: str) -> Lease | None:
        if node == self._holder:
            self._expires = self.clock.now() + self.lease_seconds
            return self.lease
        return None

    def tick(self, positions: dict[str, int]) -> Lease | None:
        surely_over = self._expires + self.max_drift
        if self.clock.now() < surely_over:
            return None
        ranked = sorted(
            (-positions[node], index, node)
            for index, node in enumerate(self.nodes)
            if node in positions and node != self._holder
        )
        if not ranked:
            return None
        self._promote(ranked[0][2])
        return self.lease
