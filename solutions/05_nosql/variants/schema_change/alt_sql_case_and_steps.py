# why: the backfill as one UPDATE with CASE (tolerating an existing column), the upgrades as a table of steps
import copy as copy_module
import sqlite3


def add_size_class(db):
    """ALTER TABLE + backfill, atomically; a second call changes nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        try:
            db.execute("ALTER TABLE planes ADD COLUMN size_class TEXT")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):
                raise
        db.execute("UPDATE planes SET size_class = CASE WHEN seats < 100 THEN 'regional' "
                   "WHEN seats <= 200 THEN 'narrow' ELSE 'wide' END")
        db.execute("COMMIT")
    except Exception:
        db.execute("ROLLBACK")
        raise


def _v1_to_v2(plane):
    seats = plane.pop("seats")
    plane["capacity"] = {"seats": seats, "size_class": size_class(seats)}


def _v2_to_v3(plane):
    plane["year_built"] = plane.pop("year")


STEPS = {1: _v1_to_v2, 2: _v2_to_v3}


def read_plane(doc):
    """A plane document of any version, upgraded to version 3 (a new dict)."""
    plane = copy_module.deepcopy(doc)
    version = plane.pop("schema_version", 1)
    if version not in (1, 2, 3):
        raise ValueError(f"unknown schema_version {version}")
    while version in STEPS:
        STEPS[version](plane)
        version += 1
    plane["schema_version"] = version
    return plane
