# why: drops failed writes as if they never happened, so a read that saw a timed-out write's value is wrongly rejected
from typing import Any

from eng101.simnet import Operation


def is_linearizable(operations: list[Operation], initial: Any = None) -> bool:
    """True if some order consistent with real time explains every read of this register's history."""
    from functools import cache

    relevant = [op for op in operations if op.ok]

    @cache
    def search(remaining: frozenset, value) -> bool:
        if not remaining:
            return True
        for i in remaining:
            candidate = relevant[i]
            if any(relevant[j].completed <= candidate.invoked for j in remaining if j != i):
                continue
            rest = remaining - {i}
            if candidate.kind == "write":
                if search(rest, candidate.value):
                    return True
            elif candidate.value == value and search(rest, value):
                return True
        return False

    return search(frozenset(range(len(relevant))), initial)
