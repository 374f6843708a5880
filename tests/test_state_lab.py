"""Unit tests of eng101.state_lab: cart servers as real processes, and the round-robin balancer."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from eng101.state_lab import MemoryCarts, RoundRobinBalancer, SqliteCarts, cluster, http_get_json


def test_memory_carts_count_per_cart() -> None:
    carts = MemoryCarts()
    assert carts.add("c", "apple") == {"apple": 1}
    assert carts.add("c", "apple") == {"apple": 2}
    assert carts.get("other") == {}


def test_sqlite_carts_are_shared_between_stores(tmp_path: Path) -> None:
    first, second = SqliteCarts(tmp_path / "c.db"), SqliteCarts(tmp_path / "c.db")
    first.add("c", "apple")
    assert second.add("c", "apple") == {"apple": 2}
    assert first.get("c") == {"apple": 2}


def test_round_robin_alternates_and_skips_a_killed_instance() -> None:
    with cluster("memory") as (a, b):
        balancer = RoundRobinBalancer([a, b])
        served = [balancer.get("/add?cart=c&item=x")["served_by"] for _ in range(4)]
        assert served == ["A", "B", "A", "B"]
        a.kill()
        assert not a.alive
        after = [balancer.get("/cart?cart=c") for _ in range(3)]
        assert [answer["served_by"] for answer in after] == ["B", "B", "B"]
        assert after[0]["items"] == {"x": 2}  # B's memory only: A's half of the cart died with A
        assert balancer.down == {"A"}
        b.kill()
        with pytest.raises(ConnectionError):
            balancer.get("/cart?cart=c")


def test_sqlite_cluster_survives_a_kill_and_nothing_outlives_it(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    with cluster("sqlite", db_path=tmp_path / "carts.db") as (a, b):
        balancer = RoundRobinBalancer([a, b])
        for _ in range(3):
            balancer.get("/add?cart=c&item=x")
        a.kill()
        assert http_get_json(b.port, "/cart?cart=c") == {"cart": "c", "items": {"x": 3}, "served_by": "B"}
        assert http_get_json(b.port, "/nowhere?cart=c")["items"] == {}
    assert not a.alive and not b.alive
    assert set(threading.enumerate()) <= threads_before  # the port readers are gone too
