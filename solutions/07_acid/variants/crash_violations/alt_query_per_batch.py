# why: lists the batches, then asks the database about each one (a count and the size its rows carry)
def crash_violations(db_path: str, acknowledged: list[int]) -> set[str]:
    """Compare a crashed writer's acknowledgements with what its database holds after recovery."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db_path)) as conn:
        batches = [batch for (batch,) in conn.execute("SELECT DISTINCT batch FROM items")]
        complete = set()
        torn = False
        for batch in batches:
            count, size = conn.execute("SELECT count(*), max(size) FROM items WHERE batch = ?", (batch,)).fetchone()
            if count == size:
                complete.add(batch)
            else:
                torn = True
    found = set()
    if torn:
        found.add("partial")
    if any(batch not in complete for batch in acknowledged):
        found.add("lost")
    return found
