# why: the connection as a context manager (rolls back on an exception), the backfill as UPDATE ... CASE
def add_size_class(db):
    """ALTER TABLE + backfill, atomically; a second call changes nothing."""
    with db:  # on an exception: ROLLBACK, then re-raise; otherwise COMMIT
        db.execute("BEGIN IMMEDIATE")
        if not any(name == "size_class" for _, name, *_ in db.execute("PRAGMA table_info(planes)")):
            db.execute("ALTER TABLE planes ADD COLUMN size_class TEXT")
        db.execute("UPDATE planes SET size_class = CASE WHEN seats < 100 THEN 'regional' "
                   "WHEN seats <= 200 THEN 'narrow' ELSE 'wide' END WHERE size_class IS NULL")


def read_plane(doc):
    """A plane document of any version, upgraded to version 3 (a new dict)."""
    plane = copy.deepcopy(doc)
    version = plane.get("schema_version", 1)
    if version > 3:
        raise ValueError(f"schema_version {version} is newer than this code (3)")
    if version == 1:
        seats = plane.pop("seats")
        plane["capacity"] = {"seats": seats, "size_class": size_class(seats)}
        version = 2
    if version == 2:
        plane["year_built"] = plane.pop("year")
        version = 3
    plane["schema_version"] = version
    return plane
