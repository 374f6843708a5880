"""Helpers for measuring file formats (notebook ``18_file_formats`` and later ones).

- :class:`CountingFile` wraps a binary file and counts the bytes a reader pulls out of it, so a
  notebook can show that a Parquet or ORC reader asked for 2 of 19 columns reads a fraction of
  the file while an Avro or CSV reader reads all of it.
- :func:`open_counting` opens a path as a :class:`CountingFile` (unbuffered underneath, so the
  count is what the reader asked for, not what a buffer prefetched).
- :func:`human_bytes` prints sizes the same way everywhere; :func:`bar_chart` draws one labelled
  bar chart per measured quantity.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CountingFile", "bar_chart", "human_bytes", "open_counting"]


class CountingFile(io.RawIOBase):
    """A seekable, read-only binary file that counts what is read through it.

    ``bytes_read`` is the total number of bytes returned by ``read``/``readinto`` calls and
    ``reads`` the number of those calls; seeking is free and not counted. Reading the same
    region twice counts it twice: that is what the disk (or the object store) would serve.
    Works with readers that take a Python file object: ``pyarrow.parquet``, ``pyarrow.orc``,
    ``pyarrow.csv``, ``pyorc``, ``fastavro`` and ``pandas.read_csv``.
    """

    def __init__(self, raw: io.RawIOBase | io.BufferedIOBase) -> None:
        super().__init__()
        self._raw = raw
        self.bytes_read = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        count = count or 0
        self.bytes_read += count
        self.reads += 1
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    @property
    def size(self) -> int:
        """The size of the underlying file in bytes (the position is left unchanged)."""
        here = self._raw.tell()
        end = self._raw.seek(0, io.SEEK_END)
        self._raw.seek(here)
        return end

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def open_counting(path: str | os.PathLike[str]) -> CountingFile:
    """Open ``path`` for reading as a :class:`CountingFile` (use it in a ``with`` block)."""
    return CountingFile(open(path, "rb", buffering=0))  # noqa: SIM115 - closed by CountingFile.close


def human_bytes(size: int | float) -> str:
    """``6016944`` -> ``'6.02 MB'`` (decimal units, as file browsers and cloud bills use)."""
    if size < 0:
        raise ValueError("a size cannot be negative")
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{int(size)} B"


def bar_chart(
    ax: Any,
    values: Mapping[str, float],
    *,
    title: str,
    ylabel: str,
    labels: Sequence[str] | None = None,
    log: bool = False,
) -> None:
    """Draw ``values`` (label -> number) as bars on the matplotlib axes ``ax``.

    ``labels`` optionally annotates each bar (e.g. ``human_bytes`` strings); ``log`` uses a
    logarithmic y axis, for quantities that span orders of magnitude.
    """
    names = list(values)
    heights = [values[name] for name in names]
    bars = ax.bar(range(len(names)), heights, color="#4c72b0")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if labels is not None:
        if len(labels) != len(names):
            raise ValueError(f"{len(labels)} labels for {len(names)} bars")
        ax.bar_label(bars, labels=list(labels), fontsize=8)
