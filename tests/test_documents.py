"""The DynamoDB-shaped item store on SQLite: queries by partition and sort key, counts, atomic writes."""

from __future__ import annotations

import pytest

from eng101.documents import ItemStore, WriteFailed


@pytest.fixture
def store() -> ItemStore:
    items = ItemStore()
    items.put_many([("P#1", "2013-01-01#0900", {"n": 2}), ("P#1", "2013-01-01#0515", {"n": 1}),
                    ("P#1", "2013-01-02#0600", {"n": 3}), ("P#2", "2013-01-01#0700", {"n": 4})])
    items.reset_counts()
    return items


def test_query_reads_one_partition_in_sort_key_order_and_counts(store: ItemStore) -> None:
    assert [i.doc["n"] for i in store.query("P#1", sk_prefix="2013-01-01#")] == [1, 2]
    assert store.requests == 1 and store.items_read == 2
    assert [i.doc["n"] for i in store.query("P#1", sk_from="2013-01-01#06", sk_to="2013-01-02")] == [2]
    assert [i.doc["n"] for i in store.query("P#1")] == [1, 2, 3]
    assert store.get("P#2", "2013-01-01#0700") == {"n": 4} and store.get("P#2", "x") is None
    assert store.requests == 5 and store.items_read == 7
    assert len(store.scan()) == len(store) == 4


def test_a_transaction_is_all_or_nothing(store: ItemStore) -> None:
    store.fail_after_writes = 2
    with pytest.raises(WriteFailed):
        store.transact_write([("P#1", "2013-01-01#0515", {"n": 10}), ("P#9", "a", {"n": 11})])
    assert store.get("P#1", "2013-01-01#0515") == {"n": 1} and store.get("P#9", "a") is None
    store.fail_after_writes = None
    store.transact_write([("P#1", "2013-01-01#0515", {"n": 10}), ("P#9", "a", {"n": 11})])
    assert store.get("P#9", "a") == {"n": 11} and len(store) == 5
    assert not store.connection.in_transaction


def test_a_bulk_load_is_not_atomic_and_counts_one_request_per_item() -> None:
    items = ItemStore()
    items.fail_after_writes = 3
    with pytest.raises(WriteFailed):
        items.put_many([("P#1", str(n), {"n": n}) for n in range(5)])
    assert [i.doc["n"] for i in items.scan()] == [0, 1], "the writes before the refused one stay"
    assert items.requests == 4  # three puts sent (the third refused) and the scan
    assert not items.connection.in_transaction


def test_a_copy_holds_the_same_items_and_is_independent(store: ItemStore) -> None:
    twin = store.copy()
    assert [(i.pk, i.sk, i.doc) for i in twin.scan()] == [(i.pk, i.sk, i.doc) for i in store.scan()]
    twin.put("P#1", "2013-01-01#0515", {"n": 99})
    assert store.get("P#1", "2013-01-01#0515") == {"n": 1} and twin.requests == 2 and len(twin) == 4
    assert store.query("P#3") == [] and store.items_read == 5  # the scan above, the get
