# why: DEFERRED transaction that rolls back and retries when SQLite reports the snapshot is stale
import sqlite3


def append_score(conn: sqlite3.Connection, run_id: str, score: float) -> None:
    """Append `score` to the JSON list of scores of `run_id` without losing concurrent appends."""
    import json
    import random

    while True:
        conn.execute("BEGIN DEFERRED")
        try:
            row = conn.execute("SELECT scores FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row:
                conn.execute("UPDATE runs SET scores = ? WHERE run_id = ?",
                             (json.dumps(json.loads(row[0]) + [score]), run_id))
            else:
                conn.execute("INSERT INTO runs VALUES (?, ?)", (run_id, json.dumps([score])))
            conn.execute("COMMIT")
            return
        except sqlite3.OperationalError as error:
            conn.execute("ROLLBACK")
            if "database is locked" not in str(error):
                raise
            import time

            time.sleep(random.uniform(0, 0.005))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
