# why: demands that the complete batches be exactly the acknowledged ones: a commit whose ack was cut off counts as lost
def crash_violations(db_path: str, acknowledged: list[int]) -> set[str]:
    """Compare a crashed writer's acknowledgements with what its database holds after recovery."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT batch, max(size), count(DISTINCT seq) FROM items GROUP BY batch").fetchall()
    conn.close()
    complete = {batch for batch, size, count in rows if count == size}
    found = set()
    if any(count != size for _, size, count in rows):
        found.add("partial")
    if complete != set(acknowledged):
        found.add("lost")
    return found
