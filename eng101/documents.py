"""A key-value / document store in the style of DynamoDB, on a real SQLite file.

Items have a partition key ``pk``, a sort key ``sk`` and a JSON document. The client offers only
what such stores offer — get one item, put one item, query one partition (optionally by a sort-key
prefix or range), scan everything, and write several items in one transaction — and it counts the
requests it serves and the items it reads, so a notebook can show that an access pattern is one
request and reads nothing it throws away.

Multi-item atomicity is real here (one SQLite transaction), as it is in DynamoDB's
``TransactWriteItems`` and MongoDB's multi-document transactions: "NoSQL has no transactions" is
folklore.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Item", "ItemStore", "WriteFailed"]


class WriteFailed(RuntimeError):
    """A write was refused (injected for tests of atomicity)."""


@dataclass(frozen=True)
class Item:
    pk: str
    sk: str
    doc: dict[str, Any]


class ItemStore:
    """Items in ``items(pk, sk, doc)`` of an SQLite database at ``path``.

    ``fail_after_writes``: refuse the n-th item write from now on (counting every item of every
    put or transaction), to show that a transaction leaves nothing half-done.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.connection = sqlite3.connect(str(path), isolation_level=None)
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS items (pk TEXT NOT NULL, sk TEXT NOT NULL, doc TEXT NOT NULL, "
            "PRIMARY KEY (pk, sk)) WITHOUT ROWID"
        )
        self.requests = 0
        self.items_read = 0
        self._fail_at: int | None = None
        self._writes = 0

    @property
    def fail_after_writes(self) -> int | None:
        return self._fail_at

    @fail_after_writes.setter
    def fail_after_writes(self, n: int | None) -> None:
        """Refuse the ``n``-th item write counted from now (None: never)."""
        self._fail_at, self._writes = n, 0

    # -- reads -------------------------------------------------------------------------------
    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        self.requests += 1
        row = self.connection.execute("SELECT doc FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone()
        if row is None:
            return None
        self.items_read += 1
        return json.loads(row[0])

    def query(self, pk: str, sk_prefix: str = "", sk_from: str | None = None, sk_to: str | None = None
              ) -> list[Item]:
        """Items of one partition in sort-key order: all, those whose sk starts with ``sk_prefix``,
        or those with ``sk_from <= sk < sk_to``."""
        self.requests += 1
        sql, params = "SELECT pk, sk, doc FROM items WHERE pk = ?", [pk]
        if sk_prefix:
            sql += " AND substr(sk, 1, ?) = ?"
            params += [len(sk_prefix), sk_prefix]
        if sk_from is not None:
            sql += " AND sk >= ?"
            params.append(sk_from)
        if sk_to is not None:
            sql += " AND sk < ?"
            params.append(sk_to)
        return self._items(self.connection.execute(sql + " ORDER BY sk", params).fetchall())

    def scan(self) -> list[Item]:
        """Every item: the expensive read a key design exists to avoid."""
        self.requests += 1
        return self._items(self.connection.execute("SELECT pk, sk, doc FROM items ORDER BY pk, sk").fetchall())

    def _items(self, rows: list[tuple[str, str, str]]) -> list[Item]:
        self.items_read += len(rows)
        # one json.loads over all the documents: the same dicts as one call per row, several times faster
        docs = json.loads("[" + ",".join(doc for _, _, doc in rows) + "]")
        return [Item(pk, sk, doc) for (pk, sk, _), doc in zip(rows, docs, strict=True)]

    # -- writes ------------------------------------------------------------------------------
    def put(self, pk: str, sk: str, doc: dict[str, Any]) -> None:
        self.transact_write([(pk, sk, doc)])

    def put_many(self, items: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Bulk load, one request per item (as a batch writer would send them), not atomic as a whole:
        if a write is refused, the items before it stay written."""
        rows, refused = [], None
        for pk, sk, doc in items:
            self.requests += 1
            if self._refuse_next_write():
                refused = WriteFailed(f"write of ({pk!r}, {sk!r}) refused")
                break
            rows.append((pk, sk, self._encode(doc)))
        self._write_rows(rows)  # one SQLite transaction for speed; each item counts as its own request
        if refused is not None:
            raise refused

    def transact_write(self, items: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Write all ``items`` (pk, sk, doc) or none of them: one request, one SQLite transaction."""
        self.requests += 1
        rows = []
        for pk, sk, doc in items:
            if self._refuse_next_write():
                raise WriteFailed(f"write of ({pk!r}, {sk!r}) refused")  # nothing written yet
            rows.append((pk, sk, self._encode(doc)))
        self._write_rows(rows)

    def copy(self) -> ItemStore:
        """A new in-memory store holding the same items (SQLite's backup API), counts at zero."""
        twin = ItemStore()
        self.connection.backup(twin.connection)
        return twin

    def _refuse_next_write(self) -> bool:
        self._writes += 1
        return self._fail_at is not None and self._writes >= self._fail_at

    @staticmethod
    def _encode(doc: dict[str, Any]) -> str:
        return json.dumps(doc, sort_keys=True)

    def _write_rows(self, rows: list[tuple[str, str, str]]) -> None:
        if not rows:
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            self.connection.executemany("INSERT OR REPLACE INTO items (pk, sk, doc) VALUES (?, ?, ?)", rows)
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def reset_counts(self) -> None:
        self.requests = 0
        self.items_read = 0

    def __len__(self) -> int:
        return self.connection.execute("SELECT count(*) FROM items").fetchone()[0]
