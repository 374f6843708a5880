from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from eng101.backup_lab import (
    BackupLab,
    FakeClock,
    Prices,
    ScheduleOption,
    add_orphan_page,
    break_btree_page,
    event_ids,
    flip_payload_bytes,
    integrity_ok,
    monthly_cost,
    payload_for,
    seeded_disasters,
    sha256_file,
)


def test_fake_clock_only_moves_forward() -> None:
    clock = FakeClock()
    clock.advance_to(5)
    clock.advance_to(5)
    assert clock.now == 5
    with pytest.raises(ValueError):
        clock.advance_to(4)


def test_schedule_makes_full_and_incremental_backups_with_exact_contents(tmp_path: Path) -> None:
    with BackupLab(tmp_path) as lab:
        made = lab.run(100, fulls=[(30, 10), (70, 5)], incrementals=[(50, 2), (60, 2), (90, 1), (200, 1)])
        assert [(r.name, r.kind, r.first_id, r.last_id) for r in made] == [
            ("full-000030.db", "full", 1, 30),
            ("incr-000050.db", "incremental", 31, 50),
            ("incr-000060.db", "incremental", 51, 60),
            ("full-000070.db", "full", 1, 70),
            ("incr-000090.db", "incremental", 71, 90),
        ]  # the backup scheduled after `until` is not made
        assert made == lab.records
        full = made[0]
        assert (full.started, full.finished, full.snapshot_at) == (30, 40, 30)
        assert lab.clock.now == 100
        assert event_ids(lab.primary_path) == list(range(1, 101))
        for record in made:
            path = lab.path_of(record)
            assert event_ids(path) == list(range(record.first_id, record.last_id + 1))
            assert sha256_file(path) == record.sha256 and path.stat().st_size == record.size_bytes
            assert integrity_ok(path)
        conn = sqlite3.connect(lab.path_of(made[1]))
        assert conn.execute("SELECT id, t, payload FROM events WHERE id = 40").fetchone() == (40, 40, payload_for(40))
        conn.close()


def test_faults_are_seeded_and_each_is_caught_by_its_check(tmp_path: Path) -> None:
    with BackupLab(tmp_path / "lab") as lab:
        (record,) = lab.run(60, fulls=[(50, 1)])
    copies = []
    for seed in (1, 1, 2):
        copy = tmp_path / f"flip-{len(copies)}.db"
        shutil.copyfile(lab.path_of(record), copy)
        flip_payload_bytes(copy, seed=seed)
        copies.append(copy.read_bytes())
        assert sha256_file(copy) != record.sha256
        assert integrity_ok(copy) and event_ids(copy) == list(range(1, 51))  # only the checksum notices
    assert copies[0] == copies[1] != copies[2]  # same seed, same damage

    orphan = tmp_path / "orphan.db"
    shutil.copyfile(lab.path_of(record), orphan)
    add_orphan_page(orphan)
    assert event_ids(orphan) == list(range(1, 51)) and not integrity_ok(orphan)

    broken = tmp_path / "broken.db"
    shutil.copyfile(lab.path_of(record), broken)
    break_btree_page(broken)
    assert not integrity_ok(broken)
    with pytest.raises(sqlite3.DatabaseError):
        event_ids(broken)


def test_seeded_disasters_are_reproducible_and_in_range() -> None:
    first = seeded_disasters(7, 10, 50, 5)
    assert first == seeded_disasters(7, 10, 50, 5) == sorted(first)
    assert len(set(first)) == 5 and all(10 <= t <= 50 for t in first)
    assert first != seeded_disasters(8, 10, 50, 5)


def test_monthly_cost_counts_transfers_and_stored_copies() -> None:
    option = ScheduleOption("daily", 86400, 600, 0, 2 * 2**30)
    prices = Prices(transfer_per_gib=0.5, storage_per_gib_month=0.25, copies_kept=4)
    assert monthly_cost(option, prices) == 30 * 2 * 0.5 + 4 * 2 * 0.25
    hourly = ScheduleOption("hourly", 3600, 600, 0, 2 * 2**30)
    assert monthly_cost(hourly, prices) == 720 * 2 * 0.5 + 4 * 2 * 0.25
