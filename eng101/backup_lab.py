"""A backup lab on a fake clock: a writer, full and incremental backups of a real SQLite file.

Notebook 14 (RPO and RTO) measures what a backup schedule loses and how long a recovery takes.
Time is simulated (:class:`FakeClock`, whole seconds), the data is real: the primary is a SQLite
file with an append-only ``events`` table, a row committed every second; full backups are made
with SQLite's online backup API (``sqlite3.Connection.backup``), incremental ones by change
capture (the rows whose id is above the last one backed up, copied into a SQLite file of their
own). Every backup is recorded in a :class:`BackupRecord` (its manifest entry: times, id range,
SHA-256 and size), so a restore can verify the file before trusting it.

Faults are seeded and exact: :func:`flip_payload_bytes` changes row contents (the file still
passes ``PRAGMA integrity_check``, only the checksum catches it), :func:`break_btree_page`
damages a page header (``integrity_check`` or reading the table fails) and :func:`add_orphan_page`
leaves a page nobody owns (queries work, only ``integrity_check`` notices).

Conventions: the row committed at fake second ``t`` has ``id = t`` and ``t = t`` (the writer
starts at second 1); a backup that starts at second ``s`` sees every row with ``t <= s`` (its
snapshot is taken when it starts) and is usable from second ``s + duration`` on.
"""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

EVENTS_SCHEMA = "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, t INTEGER NOT NULL, payload TEXT NOT NULL)"


def payload_for(event_id: int) -> str:
    """The deterministic payload of event ``event_id`` (so a test can check restored rows)."""
    return f"event-{event_id:06d}:" + "x" * 40


@dataclass
class FakeClock:
    """Simulated time in whole seconds; only :meth:`advance_to` moves it, and only forward."""

    now: int = 0

    def advance_to(self, t: int) -> None:
        if t < self.now:
            raise ValueError(f"time does not go backwards: {t} < {self.now}")
        self.now = t


@dataclass(frozen=True)
class BackupRecord:
    """The manifest entry of one backup file.

    ``snapshot_at``: the newest commit time the backup contains (its recovery point);
    ``finished``: the first second at which the backup exists and can be restored;
    ``first_id``..``last_id``: the event ids the file holds (a full backup starts at 1);
    ``sha256`` and ``size_bytes``: of the file, computed when the backup finished.
    """

    name: str
    kind: str  # "full" or "incremental"
    started: int
    finished: int
    snapshot_at: int
    first_id: int
    last_id: int
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class RecoverySteps:
    """What a recovery costs besides the copy: seconds to detect the disaster, to decide to
    fail over to the backup, to verify the restored database, and the restore speed."""

    detect_s: float
    decide_s: float
    verify_s: float
    restore_bytes_per_s: float


@dataclass(frozen=True)
class ScheduleOption:
    """A candidate backup schedule, for choosing the cheapest one that meets RPO and RTO.

    A backup of ``backup_bytes`` starts every ``interval_s`` seconds and takes ``duration_s``;
    it is taken from a replica that lags the primary by ``lag_s`` seconds.
    """

    name: str
    interval_s: int
    duration_s: int
    lag_s: int
    backup_bytes: int


@dataclass(frozen=True)
class Prices:
    """Prices of a backup plan: every backup is transferred off site once
    (``transfer_per_gib``), and ``copies_kept`` backups are stored (``storage_per_gib_month``)."""

    transfer_per_gib: float
    storage_per_gib_month: float
    copies_kept: int


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def connect(path: str | Path) -> sqlite3.Connection:
    """Autocommit connection (``isolation_level=None``) with the events table created.

    ``PRAGMA synchronous=OFF``: the lab simulates its disasters, it does not pull the power, so
    it skips the ``fsync`` of each commit (hundreds of them would cost seconds on a slow disk).
    """
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(EVENTS_SCHEMA)
    return conn


def event_ids(path: str | Path) -> list[int]:
    """The event ids stored in a database file, sorted (opened read-only, closed on return)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM events ORDER BY id")]
    finally:
        conn.close()


@dataclass
class BackupLab:
    """A primary database, a writer that commits one row per fake second, and a backup store.

    ``run(until, fulls=..., incrementals=...)`` plays a schedule: at every second ``t`` it
    commits the row of ``t``, then starts the backups scheduled at ``t`` (``(start, duration)``
    pairs). All files live under ``directory``; :meth:`close` closes the primary's connection.
    """

    directory: Path
    clock: FakeClock = field(default_factory=FakeClock)
    records: list[BackupRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        (self.directory / "backups").mkdir(parents=True, exist_ok=True)
        self.primary_path = self.directory / "primary.db"
        self._conn = connect(self.primary_path)
        self._backed_up_id = 0

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> BackupLab:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def path_of(self, record: BackupRecord) -> Path:
        """Where the file of a backup lives."""
        return self.directory / "backups" / record.name

    def commit_until(self, t: int) -> None:
        """Commit the rows of seconds ``clock.now + 1`` .. ``t``.

        Time is simulated and nothing reads the primary between two scheduled events, so the rows
        of those seconds go in one transaction: the same file as one commit per second, far faster.
        """
        seconds = range(self.clock.now + 1, t + 1)
        self._conn.execute("BEGIN")
        self._conn.executemany("INSERT INTO events VALUES (?, ?, ?)", ((s, s, payload_for(s)) for s in seconds))
        self._conn.execute("COMMIT")
        self.clock.advance_to(t)

    def _record(self, kind: str, path: Path, duration: int, first_id: int, last_id: int) -> BackupRecord:
        record = BackupRecord(
            name=path.name, kind=kind, started=self.clock.now, finished=self.clock.now + duration,
            snapshot_at=self.clock.now, first_id=first_id, last_id=last_id,
            sha256=sha256_file(path), size_bytes=path.stat().st_size)
        self.records.append(record)
        self._backed_up_id = last_id
        return record

    def full_backup(self, duration: int) -> BackupRecord:
        """A full backup now, with SQLite's online backup API (all pages in one step)."""
        path = self.directory / "backups" / f"full-{self.clock.now:06d}.db"
        target = sqlite3.connect(str(path))
        try:
            target.execute("PRAGMA synchronous=OFF")
            self._conn.backup(target)
        finally:
            target.close()
        return self._record("full", path, duration, 1, self.clock.now)

    def incremental_backup(self, duration: int) -> BackupRecord:
        """An incremental backup now: the rows committed since the previous backup of any kind."""
        path = self.directory / "backups" / f"incr-{self.clock.now:06d}.db"
        first_id = self._backed_up_id + 1
        target = connect(path)
        try:
            rows = self._conn.execute("SELECT id, t, payload FROM events WHERE id >= ? ORDER BY id", (first_id,))
            target.execute("BEGIN")
            target.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
            target.execute("COMMIT")
        finally:
            target.close()
        return self._record("incremental", path, duration, first_id, self.clock.now)

    def run(self, until: int, *, fulls: Iterable[tuple[int, int]] = (),
            incrementals: Iterable[tuple[int, int]] = ()) -> list[BackupRecord]:
        """Play the schedule up to second ``until``; return the records of the backups made."""
        starts = sorted([(s, 0, d) for s, d in fulls] + [(s, 1, d) for s, d in incrementals])
        made = []
        for start, kind, duration in starts:
            if start > until:
                break
            self.commit_until(start)
            made.append(self.full_backup(duration) if kind == 0 else self.incremental_backup(duration))
        self.commit_until(until)
        return made


def flip_payload_bytes(path: str | Path, seed: int, count: int = 3) -> None:
    """Silent corruption: change ``count`` seeded letters inside row payloads ('x' -> 'y').

    The file stays a valid database (``PRAGMA integrity_check`` says ok); only a checksum
    recorded at backup time, or comparing contents, can tell.
    """
    data = bytearray(Path(path).read_bytes())
    runs = [match.start() for match in re.finditer(rb"x{40}", data)]  # one run of 40 'x' per row payload
    if len(runs) < count:
        raise ValueError("not enough row payloads to corrupt")
    rng = random.Random(seed)
    for run in rng.sample(runs, count):
        data[run + rng.randrange(40)] = ord("y")
    Path(path).write_bytes(bytes(data))


def break_btree_page(path: str | Path) -> None:
    """Damage the header of the last page of a database (a b-tree page of the events table).

    Its page type byte becomes invalid, so ``PRAGMA integrity_check`` reports an error or
    reading the table raises ``sqlite3.DatabaseError`` ("database disk image is malformed").
    """
    data = bytearray(Path(path).read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    last_page = len(data) // page_size - 1
    if last_page < 1:
        raise ValueError("the database has a single page")
    data[last_page * page_size] = 0x07  # not one of the b-tree page types 2, 5, 10, 13
    Path(path).write_bytes(bytes(data))


def add_orphan_page(path: str | Path) -> None:
    """Append a page that no table and no freelist owns (as a badly stitched copy can leave).

    Queries still read every row, but ``PRAGMA integrity_check`` reports "Page N is never used":
    only the integrity check catches it.
    """
    data = bytearray(Path(path).read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = len(data) // page_size
    data[28:32] = (pages + 1).to_bytes(4, "big")  # the in-header database size, in pages
    data += bytes(page_size)
    Path(path).write_bytes(bytes(data))


def integrity_ok(path: str | Path) -> bool:
    """``PRAGMA integrity_check`` says ``ok`` (an unreadable file counts as not ok)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def seeded_disasters(seed: int, start: int, end: int, count: int) -> list[int]:
    """``count`` distinct disaster seconds drawn in ``[start, end]`` from ``seed``, sorted."""
    return sorted(random.Random(seed).sample(range(start, end + 1), count))


def monthly_cost(option: ScheduleOption, prices: Prices) -> float:
    """Cost per 30-day month of a schedule: every backup transferred once, ``copies_kept`` stored."""
    gib = option.backup_bytes / 2**30
    backups_per_month = 30 * 86400 / option.interval_s
    return backups_per_month * gib * prices.transfer_per_gib + prices.copies_kept * gib * prices.storage_per_gib_month
