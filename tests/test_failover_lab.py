"""The failure lab of 16_ha_ft_dr: fenced storage, replication-lag model, uptime simulation, seeded replicas."""

from __future__ import annotations

import threading

import pytest

from eng101.failover_lab import (
    FencedStorage,
    Lease,
    failover_loss,
    percentile,
    seeded_replica,
    simulate_pair_uptime,
)


def test_fenced_storage_refuses_tokens_older_than_the_highest_seen() -> None:
    storage = FencedStorage()
    assert storage.write(1, "a", "x") is True
    assert storage.write(3, "b", "y") is True
    assert storage.write(2, "a", "late") is False  # a higher token was seen in a write
    storage.fence(5)
    assert storage.write(3, "b", "z") is False  # ... or announced by fence
    assert storage.write(5, "c", "w") is True
    storage.fence(4)  # fencing never lowers the bar
    assert storage.highest == 5
    assert storage.accepted == [(1, "a", "x"), (3, "b", "y"), (5, "c", "w")]
    assert [item for _, _, item in storage.rejected] == ["late", "z"]


def test_fenced_storage_wants_int_tokens() -> None:
    storage = FencedStorage()
    assert storage.write(2.5, "a", "x") is False  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        storage.fence("7")  # type: ignore[arg-type]


def test_lease_is_frozen_and_compares_by_value() -> None:
    lease = Lease("a", 1, 2.0)
    assert lease == Lease("a", 1, 2.0) and lease != Lease("a", 2, 2.0)
    with pytest.raises(AttributeError):
        lease.token = 2  # type: ignore[misc]


def test_sync_replication_loses_nothing_and_async_loses_the_lag() -> None:
    acknowledged, lost = failover_loss("sync", writes=10, lag=4, crash_after=10)
    assert acknowledged == list(range(10)) and lost == []
    acknowledged, lost = failover_loss("async", writes=10, lag=3, crash_after=10)
    assert acknowledged == list(range(10)) and lost == [7, 8, 9]
    assert failover_loss("async", writes=10, lag=0, crash_after=6) == (list(range(6)), [])
    assert failover_loss("async", writes=5, lag=9, crash_after=5)[1] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        failover_loss("semi", writes=1, lag=0, crash_after=1)
    with pytest.raises(ValueError):
        failover_loss("sync", writes=1, lag=0, crash_after=2)


def test_common_mode_failures_erase_the_benefit_of_redundancy() -> None:
    one, independent = simulate_pair_uptime(0.99, common_mode_share=0.0, hours=20_000, seed=1)
    assert 0.985 < one < 0.995 and independent > 0.999
    _, shared = simulate_pair_uptime(0.99, common_mode_share=1.0, hours=20_000, seed=1)
    assert shared < 0.995  # everything shared: the pair is as good as one replica
    assert simulate_pair_uptime(0.9, 0.5, 1000, seed=3) == simulate_pair_uptime(0.9, 0.5, 1000, seed=3)
    with pytest.raises(ValueError):
        simulate_pair_uptime(1.5, 0.0, 10, seed=0)


def test_seeded_replica_is_reproducible_and_honours_cancel() -> None:
    def delays(seed: int) -> list[float]:
        replica, calls = seeded_replica("r", seed=seed, fast=0.0, slow=0.0, slow_share=0.5)
        for _ in range(20):
            assert replica(threading.Event()) == "r"
        return [call.delay for call in calls]

    assert delays(7) == delays(7)
    replica, calls = seeded_replica("r", seed=0, fast=5.0, slow=5.0)
    cancel = threading.Event()
    cancel.set()
    assert replica(cancel) == "cancelled" and calls[0].cancelled is True


def test_percentile_is_nearest_rank() -> None:
    values = [float(number) for number in range(1, 101)]
    assert percentile(values, 95) == 95.0 and percentile(values, 100) == 100.0 and percentile(values, 50) == 50.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 0)
