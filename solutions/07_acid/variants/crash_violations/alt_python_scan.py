# why: reads every row and groups in Python with sets and a defaultdict instead of SQL GROUP BY
def crash_violations(db_path: str, acknowledged: list[int]) -> set[str]:
    """Compare a crashed writer's acknowledgements with what its database holds after recovery."""
    import sqlite3
    from collections import defaultdict

    seen = defaultdict(set)
    sizes = {}
    conn = sqlite3.connect(db_path)
    try:
        for batch, seq, size in conn.execute("SELECT batch, seq, size FROM items"):
            seen[batch].add(seq)
            sizes[batch] = size
    finally:
        conn.close()
    complete = [b for b in seen if len(seen[b]) == sizes[b]]
    result = []
    if len(complete) < len(seen):
        result.append("partial")
    if any(b not in complete for b in acknowledged):
        result.append("lost")
    return set(result)
