# why: wraps read and write in a DEFERRED transaction: nothing is lost, but a concurrent writer makes the call fail
import sqlite3


def append_score(conn: sqlite3.Connection, run_id: str, score: float) -> None:
    """Append `score` to the JSON list of scores of `run_id` without losing concurrent appends."""
    import json

    conn.execute("BEGIN")
    try:
        row = conn.execute("SELECT scores FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        scores = json.loads(row[0]) if row else []
        scores.append(score)
        conn.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (run_id, json.dumps(scores)))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
