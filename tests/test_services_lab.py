"""Unit tests of eng101.services_lab: the flaky service's plan, idempotency keys, counting, shutdown."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from eng101.services_lab import BEHAVIOURS, FlakyService, MonolithShop, ServiceShop, seeded_plan


def _post(url: str, order_id: str, key: str | None = None, timeout: float = 2.0) -> int:
    headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    body = json.dumps({"order_id": order_id, "amount": 5}).encode()
    request = urllib.request.Request(url + "/charge", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_plan_is_followed_in_order_then_default() -> None:
    with FlakyService(["error", "reject", "ok"], default="error") as service:
        statuses = [_post(service.url, f"o-{n}") for n in range(4)]
        assert statuses == [503, 400, 200, 503]
        assert [behaviour for _, _, behaviour in service.requests] == ["error", "reject", "ok", "error"]
        assert service.count("POST", "/charge") == 4
        assert service.charges_for("o-2") == 1
        assert len(service.charges) == 1


def test_lost_reply_commits_and_a_key_prevents_the_second_charge() -> None:
    with FlakyService(["lost_reply", "ok", "lost_reply", "ok"]) as service:
        assert _post(service.url, "a") == 503
        assert _post(service.url, "a") == 200
        assert service.charges_for("a") == 2  # no key: two charges
        assert _post(service.url, "b", key="k1") == 503
        assert _post(service.url, "b", key="k1") == 200
        assert service.charges_for("b") == 1
        assert service.keys == [None, None, "k1", "k1"]


def test_hang_is_bounded_by_the_client_timeout_and_released_on_close() -> None:
    before = _threads()
    service = FlakyService(["hang"], hang_seconds=30).__enter__()
    started = time.monotonic()
    with pytest.raises(OSError):
        _post(service.url, "h", timeout=0.2)
    assert time.monotonic() - started < 2
    assert service.charges_for("h") == 1  # the hung request did the work
    started = time.monotonic()
    service.close()
    assert time.monotonic() - started < 5  # close releases the hanging handler
    assert _threads() <= before


def test_customers_endpoints() -> None:
    with FlakyService([], customers={1: "ada", 2: "grace"}) as service:
        with urllib.request.urlopen(service.url + "/customers?ids=2,9,1,2", timeout=2) as reply:
            assert json.loads(reply.read()) == {"customers": [{"id": 2, "name": "grace"}, {"id": 1, "name": "ada"}]}
        with urllib.request.urlopen(service.url + "/customers/1", timeout=2) as reply:
            assert json.loads(reply.read()) == {"id": 1, "name": "ada"}
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(service.url + "/customers/9", timeout=2)
        error.value.close()
        assert error.value.code == 404
        assert service.count("GET", "/customers") == 3


def test_seeded_plan_is_reproducible_and_validated() -> None:
    assert seeded_plan(3, 20) == seeded_plan(3, 20)
    assert set(seeded_plan(3, 200)) <= set(BEHAVIOURS)
    assert seeded_plan(3, 50) != seeded_plan(4, 50)
    with pytest.raises(ValueError):
        seeded_plan(1, 3, ("ok", "explode"))
    with pytest.raises(ValueError):
        FlakyService(["explode"])


def test_shops_agree_and_count_network_calls(tmp_path: Path) -> None:
    before = _threads()
    monolith = MonolithShop(tmp_path / "m.db")
    try:
        with ServiceShop(tmp_path / "services") as services:
            assert monolith.place_order(1, "gpu-hour", 4) == services.place_order(1, "gpu-hour", 4) == 12
            assert services.network_calls == 3
            (left,) = services.inventory.db.execute("SELECT quantity FROM stock").fetchone()
            assert left == 1000000 - 4
    finally:
        monolith.close()
    assert _threads() <= before
