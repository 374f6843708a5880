"""Disks as real files, for the RAID notebook (15_raid).

A :class:`Disk` is a file of ``blocks`` fixed-size blocks. It counts every block it reads and
writes (so a test can tell a read-modify-write from a full-stripe recompute), and it fails the
ways a real disk does, on a plan a test chooses:

- :meth:`Disk.fail` removes the file: every later read or write raises :class:`DiskFailed`
  (the disk is gone, as when a drive drops off the bus);
- :meth:`Disk.fail_after` lets ``n`` more block operations succeed, then fails the disk in the
  middle of whatever is running (a second disk dying during a rebuild);
- :meth:`Disk.corrupt` flips bits of a block behind the disk's back: reads succeed and return
  wrong bytes (silent corruption, the failure RAID parity alone does not detect);
- :meth:`Disk.replace` puts a new, blank (all zero) disk in the slot.

No RAID logic lives here (where parity goes, how a disk is rebuilt): that is the exercise.
:class:`DataLoss` is the error an array raises when it cannot return the right bytes.
"""

from __future__ import annotations

import os
import random
from pathlib import Path


class DiskFailed(OSError):
    """A read or write on a disk that has failed (removed, dead)."""


class DataLoss(Exception):  # noqa: N818 - the name says what happened
    """The array cannot return the right bytes: more disks are missing than its redundancy covers."""


class Disk:
    """A disk of ``blocks`` blocks of ``block_size`` bytes, stored in the file ``path``.

    The file is created full of zeros (a new disk). Every operation opens the file, so no file
    descriptor stays open between calls.
    """

    def __init__(self, path: str | os.PathLike[str], blocks: int = 64, block_size: int = 512) -> None:
        if blocks <= 0 or block_size <= 0:
            raise ValueError("a disk needs a positive number of blocks and a positive block size")
        self.path = Path(path)
        self.blocks = blocks
        self.block_size = block_size
        self.reads = 0
        self.writes = 0
        self._operations_left: int | None = None
        self._failed = False
        self.path.write_bytes(bytes(blocks * block_size))

    def __repr__(self) -> str:
        state = "FAILED" if self._failed else "ok"
        return f"Disk({self.path.name}, {self.blocks}x{self.block_size} B, {state})"

    @property
    def failed(self) -> bool:
        """True once the disk has failed (until :meth:`replace`)."""
        return self._failed

    def _check(self, index: int) -> None:
        if type(index) is not int or not 0 <= index < self.blocks:
            raise IndexError(f"block {index!r} is not on a disk of {self.blocks} blocks")
        if self._operations_left is not None:
            if self._operations_left == 0:
                self.fail()
            else:
                self._operations_left -= 1
        if self._failed:
            raise DiskFailed(f"{self.path.name} has failed")

    def read_block(self, index: int) -> bytes:
        """The ``block_size`` bytes of block ``index``; :class:`DiskFailed` if the disk has failed."""
        self._check(index)
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            data = os.pread(descriptor, self.block_size, index * self.block_size)
        finally:
            os.close(descriptor)
        self.reads += 1
        return data

    def write_block(self, index: int, data: bytes) -> None:
        """Store exactly ``block_size`` bytes at block ``index``; :class:`DiskFailed` if failed."""
        data = bytes(data)
        if len(data) != self.block_size:
            raise ValueError(f"a block is {self.block_size} bytes, got {len(data)}")
        self._check(index)
        descriptor = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(descriptor, data, index * self.block_size)
        finally:
            os.close(descriptor)
        self.writes += 1

    def fail(self) -> None:
        """The disk dies now: its file is removed and every later operation raises DiskFailed."""
        self._failed = True
        self._operations_left = None
        self.path.unlink(missing_ok=True)

    def fail_after(self, operations: int) -> None:
        """Let ``operations`` more block reads/writes succeed, then fail the disk."""
        if operations < 0:
            raise ValueError("operations must be >= 0")
        self._operations_left = operations

    def replace(self) -> None:
        """A new blank disk in this slot: all zeros, healthy, counters reset."""
        self._failed = False
        self._operations_left = None
        self.reads = self.writes = 0
        self.path.write_bytes(bytes(self.blocks * self.block_size))

    def corrupt(self, index: int, seed: int, bits: int = 1) -> None:
        """Flip ``bits`` distinct bits of block ``index`` (chosen from ``seed``), bypassing the disk:
        later reads succeed and return the wrong bytes, and nothing reports it."""
        if self._failed:
            raise DiskFailed(f"{self.path.name} has failed")
        if not 0 <= index < self.blocks:
            raise IndexError(f"block {index} is not on a disk of {self.blocks} blocks")
        rng = random.Random(seed)
        with open(self.path, "r+b") as file:
            file.seek(index * self.block_size)
            block = bytearray(file.read(self.block_size))
            for bit in rng.sample(range(self.block_size * 8), bits):
                block[bit // 8] ^= 1 << (bit % 8)
            file.seek(index * self.block_size)
            file.write(block)

    def raw(self) -> bytes:
        """The whole file, read directly (for checks; not counted as I/O)."""
        return self.path.read_bytes()


def make_disks(directory: str | os.PathLike[str], count: int, blocks: int = 64,
               block_size: int = 512, prefix: str = "disk") -> list[Disk]:
    """``count`` blank disks ``<prefix>0.img``, ``<prefix>1.img``, ... in ``directory``."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    return [Disk(Path(directory) / f"{prefix}{number}.img", blocks, block_size) for number in range(count)]


def io_counts(disks: list[Disk]) -> list[tuple[int, int]]:
    """(reads, writes) of every disk, in order."""
    return [(disk.reads, disk.writes) for disk in disks]


def xor_bytes(*blocks: bytes) -> bytes:
    """The byte-wise XOR of equally long blocks (at least one)."""
    if not blocks:
        raise ValueError("xor_bytes needs at least one block")
    size = len(blocks[0])
    if any(len(block) != size for block in blocks):
        raise ValueError("blocks of different lengths")
    result = 0
    for block in blocks:
        result ^= int.from_bytes(block, "little")
    return result.to_bytes(size, "little")
