"""Unit tests for eng101.raid_lab: disks as real files that fail on a plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from eng101.raid_lab import DataLoss, Disk, DiskFailed, io_counts, make_disks, xor_bytes


def test_a_new_disk_is_a_file_of_zeros_and_blocks_round_trip(tmp_path: Path) -> None:
    disk = Disk(tmp_path / "d.img", blocks=4, block_size=16)
    assert disk.path.read_bytes() == bytes(64)
    disk.write_block(2, b"x" * 16)
    assert disk.read_block(2) == b"x" * 16
    assert disk.read_block(1) == bytes(16)
    assert disk.path.read_bytes()[32:48] == b"x" * 16  # really in the file, at block 2
    assert (disk.reads, disk.writes) == (2, 1)


def test_bad_blocks_and_sizes_are_refused(tmp_path: Path) -> None:
    disk = Disk(tmp_path / "d.img", blocks=4, block_size=16)
    with pytest.raises(IndexError):
        disk.read_block(4)
    with pytest.raises(IndexError):
        disk.read_block(-1)
    with pytest.raises(ValueError):
        disk.write_block(0, b"short")
    with pytest.raises(ValueError):
        Disk(tmp_path / "e.img", blocks=0)
    assert (disk.reads, disk.writes) == (0, 0)


def test_a_failed_disk_loses_its_file_until_replaced(tmp_path: Path) -> None:
    disk = Disk(tmp_path / "d.img", blocks=2, block_size=8)
    disk.write_block(0, b"12345678")
    disk.fail()
    assert disk.failed and not disk.path.exists()
    with pytest.raises(DiskFailed):
        disk.read_block(0)
    with pytest.raises(DiskFailed):
        disk.write_block(0, b"abcdefgh")
    assert isinstance(DiskFailed("x"), OSError)
    disk.replace()
    assert not disk.failed and disk.read_block(0) == bytes(8)  # a new, blank disk
    assert (disk.reads, disk.writes) == (1, 0)


def test_fail_after_lets_exactly_n_operations_through(tmp_path: Path) -> None:
    disk = Disk(tmp_path / "d.img", blocks=4, block_size=8)
    disk.fail_after(3)
    disk.read_block(0)
    disk.write_block(1, bytes(8))
    assert not disk.failed
    disk.read_block(2)
    assert not disk.failed
    with pytest.raises(DiskFailed):
        disk.read_block(3)
    assert disk.failed
    disk.replace()
    disk.fail_after(0)
    assert not disk.failed  # fails on its next operation, not before
    with pytest.raises(DiskFailed):
        disk.write_block(0, bytes(8))
    with pytest.raises(ValueError):
        disk.fail_after(-1)


def test_corruption_is_silent_seeded_and_flips_the_asked_bits(tmp_path: Path) -> None:
    first = Disk(tmp_path / "a.img", blocks=2, block_size=32)
    second = Disk(tmp_path / "b.img", blocks=2, block_size=32)
    for disk in (first, second):
        disk.write_block(1, b"\xaa" * 32)
        disk.corrupt(1, seed=7, bits=3)
    damaged = first.read_block(1)
    assert damaged == second.read_block(1)  # same seed, same damage
    flipped = sum(bin(a ^ 0xAA).count("1") for a in damaged)
    assert flipped == 3
    assert first.read_block(0) == bytes(32)  # other blocks untouched
    assert (first.reads, first.writes) == (2, 1)  # the corruption itself is not counted as I/O
    first.fail()
    with pytest.raises(DiskFailed):
        first.corrupt(0, seed=1)


def test_make_disks_io_counts_and_xor(tmp_path: Path) -> None:
    disks = make_disks(tmp_path / "array", 3, blocks=2, block_size=4)
    assert [disk.path.name for disk in disks] == ["disk0.img", "disk1.img", "disk2.img"]
    disks[0].write_block(0, b"\x01\x02\x03\x04")
    disks[1].read_block(1)
    assert io_counts(disks) == [(0, 1), (1, 0), (0, 0)]
    assert xor_bytes(b"\x0f\xf0", b"\xff\xff") == b"\xf0\x0f"
    assert xor_bytes(b"ab") == b"ab"
    assert xor_bytes(b"\x00\x01", b"\x00\x01") == b"\x00\x00"  # leading zero bytes are kept
    with pytest.raises(ValueError):
        xor_bytes(b"a", b"bc")
    with pytest.raises(ValueError):
        xor_bytes()
    assert issubclass(DataLoss, Exception)
    assert "FAILED" not in repr(disks[0])
    disks[0].fail()
    assert "FAILED" in repr(disks[0])
