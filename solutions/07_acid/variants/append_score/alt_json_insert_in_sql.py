# why: appends in SQL with json_insert(scores, '$[#]', ?); inserts the row if the UPDATE found none (BEGIN EXCLUSIVE)
def append_score(conn: sqlite3.Connection, run_id: str, score: float) -> None:
    """Append `score` to the JSON list of scores of `run_id` without losing concurrent appends."""
    import json

    conn.execute("BEGIN EXCLUSIVE")
    try:
        changed = conn.execute("UPDATE runs SET scores = json_insert(scores, '$[#]', ?) WHERE run_id = ?",
                               (score, run_id)).rowcount
        if changed == 0:
            conn.execute("INSERT INTO runs (run_id, scores) VALUES (?, ?)", (run_id, json.dumps([score])))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
