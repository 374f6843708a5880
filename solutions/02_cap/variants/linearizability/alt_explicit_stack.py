# why: iterative depth-first search over (bitmask of placed operations, register value) with a visited set
from typing import Any

from eng101.simnet import Operation


def is_linearizable(operations: list[Operation], initial: Any = None) -> bool:
    """True if some order consistent with real time explains every read of this register's history."""
    import math

    ops = [op for op in operations if op.ok or op.kind == "write"]
    n = len(ops)
    ends = [op.completed if op.ok else math.inf for op in ops]
    required = sum(1 << i for i, op in enumerate(ops) if op.ok)
    stack, seen = [(0, initial)], set()
    while stack:
        placed, register = stack.pop()
        if placed & required == required:
            return True
        if (placed, register) in seen:
            continue
        seen.add((placed, register))
        unplaced = [i for i in range(n) if not placed >> i & 1]
        earliest_end = {i: min((ends[j] for j in unplaced if j != i), default=math.inf) for i in unplaced}
        for i in unplaced:
            if earliest_end[i] <= ops[i].invoked:
                continue
            if ops[i].kind == "write":
                stack.append((placed | 1 << i, ops[i].value))
            elif ops[i].value == register:
                stack.append((placed | 1 << i, register))
    return False
