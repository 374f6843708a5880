"""Helpers of the sharding notebook: stable hash, load ratio, shards on the simulated network."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter

import matplotlib
import pytest

from eng101.sharding import HASH_SPACE, ShardCluster, load_ratio, plot_load, stable_hash

matplotlib.use("Agg")


def test_stable_hash_is_the_same_in_another_process_and_spreads() -> None:
    code = "from eng101.sharding import stable_hash; print(stable_hash('UA'), stable_hash(42))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert other == [str(stable_hash("UA")), str(stable_hash(42))]
    assert stable_hash(42) == stable_hash("42")  # str(key) is hashed
    values = [stable_hash(f"k{i}") for i in range(4000)]
    assert all(0 <= v < HASH_SPACE for v in values) and len(set(values)) == 4000
    buckets = Counter(v % 8 for v in values)
    assert max(buckets.values()) / (4000 / 8) < 1.15


def test_stable_hash_is_blake2b_with_an_8_byte_digest_not_a_truncation() -> None:
    eight_byte_digest = hashlib.blake2b(b"UA", digest_size=8).digest()
    assert stable_hash("UA") == int.from_bytes(eight_byte_digest, "big")
    # the digest length is a BLAKE2 parameter (RFC 7693 section 2.5): not the first 8 bytes of BLAKE2b-512
    assert eight_byte_digest != hashlib.blake2b(b"UA").digest()[:8]


def test_load_ratio_counts_empty_listed_shards() -> None:
    assert load_ratio({"a": 5, "b": 5}) == 1.0
    assert load_ratio({"a": 6}, ["a", "b", "c"]) == 3.0
    with pytest.raises(ValueError):
        load_ratio({})


def test_cluster_places_rows_and_counts_two_messages_per_question() -> None:
    rows = [{"k": i} for i in range(10)]
    cluster = ShardCluster.from_rows(rows, lambda row: "even" if row["k"] % 2 == 0 else "odd", ["even", "odd"])
    assert cluster.load() == Counter({"even": 5, "odd": 5})
    assert cluster.ask("odd", lambda shard_rows: sum(r["k"] for r in shard_rows)) == 25
    assert cluster.messages == 2
    with pytest.raises(ValueError):
        cluster.ask("nope", len)
    with pytest.raises(ValueError):
        ShardCluster.from_rows(rows, lambda row: "elsewhere", ["even"])
    with pytest.raises(ValueError):
        ShardCluster({"coordinator": []})


def test_plot_load_draws_one_bar_per_shard_and_the_mean() -> None:
    from matplotlib import pyplot as plt

    figure, ax = plt.subplots()
    plot_load(ax, Counter({"a": 3, "b": 1}), "t", ["a", "b", "c"])
    assert [p.get_height() for p in ax.patches] == [3, 1, 0]
    assert "max/mean = 2.25" in ax.get_legend().get_texts()[0].get_text()
    plt.close(figure)
