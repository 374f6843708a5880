# why: an if/elif chain upgrades one version per read: a version 1 document stops at version 2
def add_size_class(db):
    """ALTER TABLE + backfill, atomically; a second call changes nothing."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(planes)")}
    db.execute("BEGIN")
    if "size_class" not in columns:
        db.execute("ALTER TABLE planes ADD COLUMN size_class TEXT")
    rows = db.execute("SELECT tailnum, seats FROM planes").fetchall()
    db.executemany("UPDATE planes SET size_class = ? WHERE tailnum = ?", [(size_class(s), t) for t, s in rows])
    db.execute("COMMIT")


def read_plane(doc):
    """A plane document of any version, upgraded to version 3 (a new dict)."""
    plane = copy.deepcopy(doc)
    version = plane.get("schema_version", 1)
    if version > 3:
        raise ValueError("too new")
    if version == 1:
        seats = plane.pop("seats")
        plane["capacity"] = {"seats": seats, "size_class": size_class(seats)}
        plane["schema_version"] = 2
    elif version == 2:
        plane["year_built"] = plane.pop("year")
        plane["schema_version"] = 3
    return plane
