# why: counts each distinct key once, not every occurrence (rows of a hot key are all copied)
def fraction_moved(before, after, keys):
    """Share of `keys` (occurrences) whose node differs between two routers."""
    distinct = set(keys)
    if not distinct:
        raise ValueError("no keys to compare")
    return sum(before(key) != after(key) for key in distinct) / len(distinct)
