"""Unit tests for eng101.testing_lab: the components 21_testing asks students to test."""

import pytest

from eng101.testing_lab import FakeClock, TTLCache, UserStore, format_cents, mutant_of, parse_cents, run_check


def test_fake_clock_moves_only_forward():
    clock = FakeClock(5)
    assert clock() == 5.0
    clock.advance(2.5)
    assert clock() == 7.5
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_cache_validates_arguments():
    for capacity, ttl in [(0, 1), (-1, 1), (1, 0), (1, -1)]:
        with pytest.raises(ValueError):
            TTLCache(capacity, ttl, clock=FakeClock())


def test_cache_expires_at_exactly_t_plus_ttl_and_get_does_not_extend():
    clock = FakeClock()
    cache = TTLCache(2, 10, clock=clock)
    cache.put("k", 0)
    clock.advance(9)
    assert cache.get("k", "gone") == 0 and len(cache) == 1
    clock.advance(1)
    assert len(cache) == 0 and cache.get("k", "gone") == "gone"


def test_cache_put_restarts_lifetime_and_recency():
    clock = FakeClock()
    cache = TTLCache(2, 10, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    clock.advance(5)
    cache.put("a", 10)  # a is now the most recent and lives until 15
    cache.put("c", 3)  # evicts b
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (10, None, 3)
    clock.advance(9)
    assert cache.get("a") == 10


def test_cache_drops_expired_before_evicting_live():
    clock = FakeClock()
    cache = TTLCache(2, 10, clock=clock)
    cache.put("old", 1)
    clock.advance(1)
    cache.put("young", 2)
    cache.get("old")
    clock.advance(9)
    cache.put("new", 3)
    assert (cache.get("young"), cache.get("new"), len(cache)) == (2, 3, 2)


def test_format_and_parse_cents_round_trip():
    cases = {0: "0.00", -5: "-0.05", 100_500: "1,005.00", -123_405: "-1,234.05", 10**20: "1,000,000,000,000,000,000.00"}
    for cents, text in cases.items():
        assert format_cents(cents) == text
        assert parse_cents(text) == cents
    for bad in ["1,2,3.45", "01.00", "1.5", "1234.00", "+1.00", "1.00 ", "١.٠٠", "", "-"]:
        with pytest.raises(ValueError):
            parse_cents(bad)
    with pytest.raises(TypeError):
        format_cents(1.5)


def test_mutant_of_changes_one_place_and_keeps_the_name():
    mutant = mutant_of(TTLCache, "popitem(last=False)", "popitem(last=True)")
    assert mutant is not TTLCache and mutant.__name__ == "TTLCache" and mutant.__module__ == TTLCache.__module__
    cache = mutant(2, 10, clock=FakeClock())
    for key in "abc":
        cache.put(key, key)
    assert cache.get("a") == "a" and cache.get("b") is None  # evicted the most recent one
    with pytest.raises(ValueError):
        mutant_of(TTLCache, "self._entries", "x")  # occurs many times


def test_run_check_reports_pass_and_failure():
    def passing(cls):
        assert cls is TTLCache

    def failing(cls):
        assert cls is not TTLCache, "it is the reference"

    assert run_check(passing, TTLCache) is None
    assert run_check(failing, TTLCache).startswith("AssertionError: it is the reference")
    assert run_check(lambda cls: cls(0, 1), TTLCache).startswith("ValueError")


def test_user_store_contract(tmp_path):
    import sqlite3
    from contextlib import closing

    path = tmp_path / "users.db"
    with closing(sqlite3.connect(path)) as conn, closing(sqlite3.connect(path)) as other_conn:
        store, other = UserStore(conn), UserStore(other_conn)
        for email in ["Ana@corp.io", "a_b@corp.io", "axb@corp.io"]:
            store.add(email)
        with pytest.raises(ValueError):
            store.add("ana@CORP.io")
        store.record_login("ANA@corp.io", 1.0)
        store.record_login("a_b@corp.io", 2.0)  # '_' is not a wildcard
        with pytest.raises(KeyError):
            store.record_login("nobody@corp.io", 3.0)
        assert store.never_logged_in() == ["axb@corp.io"]
        assert other.never_logged_in() == ["axb@corp.io"]  # committed: another connection sees it
