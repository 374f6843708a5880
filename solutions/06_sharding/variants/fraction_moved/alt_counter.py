# why: counts with a Counter of (moved?) outcomes and accepts any iterable
from collections import Counter


def fraction_moved(before, after, keys):
    """Share of `keys` (occurrences) whose node differs between two routers."""
    outcomes = Counter(before(key) == after(key) for key in keys)
    total = outcomes[True] + outcomes[False]
    if total == 0:
        raise ValueError("empty key list")
    return outcomes[False] / total
