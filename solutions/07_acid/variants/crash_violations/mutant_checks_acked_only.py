# why: inspects only the acknowledged batches, so a torn batch the writer never acknowledged goes unnoticed
def crash_violations(db_path: str, acknowledged: list[int]) -> set[str]:
    """Compare a crashed writer's acknowledgements with what its database holds after recovery."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    found = set()
    for batch in set(acknowledged):
        row = conn.execute("SELECT max(size), count(DISTINCT seq) FROM items WHERE batch = ?", (batch,)).fetchone()
        size, count = row
        if size is None or count != size:
            found.add("lost")
        if size is not None and count != size:
            found.add("partial")
    conn.close()
    return found
