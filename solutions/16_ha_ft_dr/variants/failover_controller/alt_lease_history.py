# why: keeps every lease granted in a list (the last is current), and the token as max over history + 1
class FailoverController:
    """Grants leader leases with increasing fencing tokens; promotes a follower once a lease is surely over."""

    def __init__(self, nodes: list[str], clock, storage, lease_seconds: float, max_drift: float):
        self.order = {node: index for index, node in enumerate(nodes)}
        self.first = nodes[0]
        self.clock, self.storage = clock, storage
        self.length, self.drift = lease_seconds, max_drift
        self.history = []
        self._grant(self.first)

    def _grant(self, node):
        token = max((lease.token for lease in self.history), default=0) + 1
        self.storage.fence(token)
        self.history.append(Lease(node, token, self.clock.now() + self.length))
        return self.history[-1]

    @property
    def lease(self) -> Lease:
        return self.history[-1]

    def renew(self, node: str) -> Lease | None:
        current = self.history[-1]
        if current.holder != node:
            return None
        self.history[-1] = Lease(node, current.token, self.clock.now() + self.length)
        return self.history[-1]

    def tick(self, positions: dict[str, int]) -> Lease | None:
        current = self.history[-1]
        if self.clock.now() - self.drift < current.expires_at:
            return None
        best = None
        for node, position in positions.items():
            if node == current.holder or node not in self.order:
                continue
            if best is None or (position, -self.order[node]) > (positions[best], -self.order[best]):
                best = node
        return None if best is None else self._grant(best)
