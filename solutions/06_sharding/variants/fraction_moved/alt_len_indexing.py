# why: uses len() and indexing, which the spec's Sequence allows (no copy of the keys)
def fraction_moved(before, after, keys):
    """Share of `keys` (occurrences) whose node differs between two routers."""
    if len(keys) == 0:
        raise ValueError("keys is empty")
    moved = 0
    for i in range(len(keys)):
        if before(keys[i]) != after(keys[i]):
            moved += 1
    return moved / len(keys)
