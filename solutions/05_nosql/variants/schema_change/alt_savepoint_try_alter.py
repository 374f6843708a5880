# why: a SAVEPOINT instead of BEGIN, and "already added" detected by the duplicate-column error, not PRAGMA
def add_size_class(db):
    """ALTER TABLE + backfill, atomically; a second call changes nothing."""
    db.execute("SAVEPOINT size_class_migration")
    try:
        try:
            db.execute("ALTER TABLE planes ADD COLUMN size_class TEXT")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):
                raise
        for tailnum, seats in db.execute("SELECT tailnum, seats FROM planes").fetchall():
            db.execute("UPDATE planes SET size_class = ? WHERE tailnum = ?", (size_class(seats), tailnum))
    except BaseException:
        db.execute("ROLLBACK TO size_class_migration")
        db.execute("RELEASE size_class_migration")
        raise
    db.execute("RELEASE size_class_migration")


def read_plane(doc):
    """A plane document of any version, upgraded to version 3 (a new dict)."""
    version = doc.get("schema_version") or 1
    if version > 3:
        raise ValueError(f"unknown schema_version {version}")
    plane = json.loads(json.dumps(doc))
    if version < 2:
        seats = plane.pop("seats")
        plane["capacity"] = {"seats": seats, "size_class": size_class(seats)}
    if version < 3:
        plane["year_built"] = plane.pop("year")
    plane["schema_version"] = 3
    return plane
