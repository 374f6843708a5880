# why: restores with the backup API, checks ids by count/min/max, applies each incremental with ATTACH
def restore_newest(records: list[BackupRecord], backup_dir: str, target_path: str) -> int:
    """Restore the newest verifiable full backup and its incrementals; return the recovery point."""
    import hashlib
    import sqlite3
    from pathlib import Path

    store = Path(backup_dir)

    def good(record):
        path = store / record.name
        digest = hashlib.sha256()
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(65536), b""):
                digest.update(block)
        if digest.hexdigest() != record.sha256:
            return False
        conn = None
        try:
            conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
            (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
            count, low, high = conn.execute("SELECT count(*), min(id), max(id) FROM events").fetchone()
        except sqlite3.DatabaseError:
            return False
        finally:
            if conn is not None:
                conn.close()
        expected = record.last_id - record.first_id + 1
        return verdict == "ok" and count == expected and low == record.first_id and high == record.last_id

    ordered_fulls = sorted([r for r in records if r.kind == "full"], key=lambda r: -r.snapshot_at)
    for full in ordered_fulls:
        if good(full):
            break
    else:
        raise ValueError("no verifiable full backup")

    source = sqlite3.connect((store / full.name).resolve().as_uri() + "?mode=ro", uri=True)
    target = sqlite3.connect(target_path, isolation_level=None)
    try:
        source.backup(target)
        last = full
        by_first = {r.first_id: r for r in records if r.kind == "incremental"}
        for _ in range(len(by_first)):
            following = by_first.get(last.last_id + 1)
            if following is None or not good(following):
                break
            target.execute("ATTACH DATABASE ? AS incr", ((store / following.name).resolve().as_uri() + "?mode=ro",))
            try:
                target.execute("BEGIN")
                target.execute("INSERT INTO main.events SELECT id, t, payload FROM incr.events")
                target.execute("COMMIT")
            finally:
                target.execute("DETACH DATABASE incr")
            last = following
    finally:
        source.close()
        target.close()
    return last.snapshot_at
