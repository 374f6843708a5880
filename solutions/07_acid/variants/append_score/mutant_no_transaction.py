# why: read, append in Python, write back as separate autocommit statements: the classic lost update
import sqlite3


def append_score(conn: sqlite3.Connection, run_id: str, score: float) -> None:
    """Append `score` to the JSON list of scores of `run_id` without losing concurrent appends."""
    import json

    row = conn.execute("SELECT scores FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    scores = json.loads(row[0]) if row else []
    scores.append(score)
    conn.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (run_id, json.dumps(scores)))
