# why: orders only each client's own operations, ignoring real time across clients: sequential consistency
from typing import Any

from eng101.simnet import Operation


def is_linearizable(operations: list[Operation], initial: Any = None) -> bool:
    """True if some order consistent with real time explains every read of this register's history."""
    from functools import cache

    relevant = [op for op in operations if op.ok or op.kind == "write"]
    deadline = [op.completed if op.ok else float("inf") for op in relevant]

    @cache
    def search(remaining: frozenset, value) -> bool:
        if all(not relevant[i].ok for i in remaining):
            return True
        for i in remaining:
            candidate = relevant[i]
            if any(relevant[j].client == candidate.client and deadline[j] <= candidate.invoked
                   for j in remaining if j != i):
                continue  # an earlier operation of the same client is still unplaced
            rest = remaining - {i}
            if candidate.kind == "write":
                if search(rest, candidate.value):
                    return True
            elif candidate.value == value and search(rest, value):
                return True
        return False

    return search(frozenset(range(len(relevant))), initial)
