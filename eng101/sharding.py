"""Pieces the sharding notebook builds on: a stable hash, shards on a simulated network, load plots.

Python's built-in ``hash()`` of a string is salted per process (PYTHONHASHSEED), so a router built
on it sends the same key to different shards in different processes — a classic sharding bug.
:func:`stable_hash` is the same everywhere: BLAKE2b computed with an 8-byte digest. (That is not a
truncated 64-byte BLAKE2b: the digest length is a parameter mixed into the initial state, RFC 7693
§2.5 and §3.3, so the two give unrelated outputs.)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eng101.simnet import SimNetwork

__all__ = ["HASH_SPACE", "ShardCluster", "load_ratio", "plot_load", "stable_hash"]

#: stable_hash returns integers in range(HASH_SPACE).
HASH_SPACE = 2**64


def stable_hash(key: Any) -> int:
    """A 64-bit hash of ``str(key)``, the same in every process and on every machine (BLAKE2b, ``digest_size=8``)."""
    digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def load_ratio(load: Mapping[Hashable, int], nodes: Iterable[Hashable] | None = None) -> float:
    """Max over mean load: 1.0 is perfectly even; nodes with no keys count as 0 when listed in ``nodes``."""
    counts = [load.get(node, 0) for node in nodes] if nodes is not None else list(load.values())
    if not counts or sum(counts) == 0:
        raise ValueError("no load to compare")
    return max(counts) / (sum(counts) / len(counts))


def plot_load(ax: Any, load: Mapping[Hashable, int], title: str, nodes: Sequence[Hashable] | None = None) -> None:
    """Bar chart of keys per shard on matplotlib axes ``ax``, with the mean as a line."""
    names = list(nodes) if nodes is not None else sorted(load, key=str)
    counts = [load.get(name, 0) for name in names]
    ax.bar([str(name) for name in names], counts, color="#4c72b0")
    mean = sum(counts) / len(counts)
    ax.axhline(mean, color="#b42318", linestyle="--", label=f"mean; max/mean = {max(counts) / mean:.2f}")
    ax.set(title=title, ylabel="rows")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="upper right", fontsize="small")


@dataclass
class ShardCluster:
    """Shards as nodes of a :class:`SimNetwork`, each holding its rows; a coordinator asks them.

    ``ask(shard, function)`` is one request/response: ``function(rows_of_that_shard)`` runs on the
    shard and its result travels back — two messages, counted by the network.
    """

    rows_by_shard: dict[Hashable, list[dict[str, Any]]]
    coordinator: str = "coordinator"
    seed: int = 0
    network: SimNetwork = field(init=False)

    def __post_init__(self) -> None:
        if self.coordinator in self.rows_by_shard:
            raise ValueError(f"{self.coordinator!r} cannot also be a shard")
        self.network = SimNetwork([self.coordinator, *self.rows_by_shard], seed=self.seed)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]], route: Callable[[dict[str, Any]], Hashable],
                  shards: Iterable[Hashable], seed: int = 0) -> ShardCluster:
        """Place every row on the shard ``route(row)`` names."""
        placed: dict[Hashable, list[dict[str, Any]]] = {shard: [] for shard in shards}
        for row in rows:
            shard = route(row)
            if shard not in placed:
                raise ValueError(f"route sent a row to unknown shard {shard!r}")
            placed[shard].append(row)
        return cls(placed, seed=seed)

    @property
    def shards(self) -> list[Hashable]:
        return list(self.rows_by_shard)

    def ask(self, shard: Hashable, function: Callable[[list[dict[str, Any]]], Any]) -> Any:
        if shard not in self.rows_by_shard:
            raise ValueError(f"no shard {shard!r}; shards are {self.shards}")
        return self.network.call(self.coordinator, shard, function, self.rows_by_shard[shard])

    @property
    def messages(self) -> int:
        return self.network.messages

    def load(self) -> Counter[Hashable]:
        return Counter({shard: len(rows) for shard, rows in self.rows_by_shard.items()})
