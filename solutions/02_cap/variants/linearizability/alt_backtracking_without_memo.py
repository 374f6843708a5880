# why: plain recursive backtracking over the unplaced operations (no memo); a failed write may be skipped explicitly
from typing import Any

from eng101.simnet import Operation


def is_linearizable(operations: list[Operation], initial: Any = None) -> bool:
    """True if some order consistent with real time explains every read of this register's history."""
    pending = [op for op in operations if not (op.kind == "read" and not op.ok)]

    def must_wait(op, others):
        # op cannot be next while another successful operation finished before op started
        return any(other.ok and other.completed <= op.invoked for other in others if other is not op)

    def extend(unplaced, register):
        if not unplaced:
            return True
        for index, op in enumerate(unplaced):
            others = unplaced[:index] + unplaced[index + 1:]
            if not op.ok and extend(others, register):  # this failed write never took effect
                return True
            if must_wait(op, others):
                continue
            if op.kind == "write":
                if extend(others, op.value):
                    return True
            elif op.value == register and extend(others, register):
                return True
        return False

    return extend(pending, initial)
