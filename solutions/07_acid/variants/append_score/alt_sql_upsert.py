# why: one UPSERT statement using SQLite's JSON functions: the read-modify-write happens inside the engine
import sqlite3


def append_score(conn: sqlite3.Connection, run_id: str, score: float) -> None:
    """Append `score` to the JSON list of scores of `run_id` without losing concurrent appends."""
    conn.execute(
        """INSERT INTO runs (run_id, scores) VALUES (?, json_array(?))
           ON CONFLICT (run_id) DO UPDATE SET scores = json_insert(scores, '$[#]', ?)""",
        (run_id, score, score),
    )
