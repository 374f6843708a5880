from __future__ import annotations

import sqlite3

import pytest

from eng101.faults import Crash, FaultPlan, InjectedFault, InterfereBeforeWrite, every_single_fault, run_child
from eng101.sqlite_services import (
    BusinessError,
    DeliveryService,
    InventoryService,
    Order,
    OrderService,
    PaymentService,
    SagaLog,
    connect,
    order_saga_steps,
    order_state,
    transaction,
)


def test_named_steps_fail_once_and_are_recorded() -> None:
    plan = FaultPlan.at("b")
    plan.check("a")
    with pytest.raises(InjectedFault) as raised:
        plan.check("b")
    assert raised.value.step == "b"
    plan.check("b")  # a retried step succeeds
    assert plan.seen == ["a", "b", "b"] and plan.failed == ["b"]


def test_nth_step_and_crash_is_not_an_exception() -> None:
    plan = FaultPlan.nth(2, error=Crash)
    plan.check("x")
    with pytest.raises(Crash):
        try:
            plan.check("y")
        except Exception:  # a crash must not be swallowed by ordinary handlers
            pytest.fail("Crash caught as Exception")
    assert not issubclass(Crash, Exception)
    with pytest.raises(ValueError):
        FaultPlan.nth(0)


def test_random_plans_are_reproducible() -> None:
    def outcomes(seed: int) -> list[bool]:
        plan = FaultPlan.random(seed=seed, probability=0.3)
        return [plan.should_fail(f"s{i}") for i in range(200)]

    assert outcomes(7) == outcomes(7)
    assert outcomes(7) != outcomes(8)
    assert 30 < sum(outcomes(7)) < 90
    with pytest.raises(ValueError):
        FaultPlan.random(seed=1, probability=1.5)


def test_every_single_fault() -> None:
    plans = list(every_single_fault(["a", "b", "a", "c"]))
    assert [sorted(p.steps) for p in plans] == [["a"], ["b"], ["c"]]


def test_run_child_exit_and_kill(tmp_path) -> None:
    done = run_child("import sys, os; print('hi', sys.argv[1], flush=True); os._exit(3)", "there")
    assert done.returncode == 3 and done.lines == ("hi there",) and not done.killed
    killed = run_child("import time\nprint('a', flush=True)\nprint('ready', flush=True)\ntime.sleep(60)",
                       kill_on="ready")
    assert killed.killed and killed.signal_name == "SIGKILL" and killed.lines == ("a", "ready")
    with pytest.raises(TimeoutError):
        run_child("import time; time.sleep(30)", timeout=0.5)


def test_sigkilled_writer_keeps_committed_and_loses_open_transaction(tmp_path) -> None:
    path = str(tmp_path / "t.db")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    conn.close()
    code = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("INSERT INTO t VALUES (1)")
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO t VALUES (2)")
print("open", flush=True)
time.sleep(60)
"""
    result = run_child(code, path, kill_on="open")
    assert result.killed
    conn = connect(path)
    assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    conn.close()


def test_services_are_idempotent_and_inject_faults(tmp_path) -> None:
    faults = FaultPlan.at("payment.charge:reply")
    orders, payments = OrderService(tmp_path), PaymentService(tmp_path, faults)
    inventory, delivery = InventoryService(tmp_path), DeliveryService(tmp_path)
    payments.open_wallet("ann", 100)
    inventory.add_stock("gpu", 3)
    orders.create("o1", "ann", "gpu", 2, 60)
    orders.create("o1", "ann", "gpu", 2, 60)
    with pytest.raises(InjectedFault):
        payments.charge("o1", "ann", 60)  # done, but the reply is lost
    payments.charge("o1", "ann", 60)  # a retry does not charge twice
    assert payments.balance("ann") == 40
    with pytest.raises(BusinessError):
        payments.charge("o2", "ann", 60)
    inventory.reserve("o1", "gpu", 2)
    inventory.reserve("o1", "gpu", 2)
    assert inventory.stock("gpu") == 1
    with pytest.raises(BusinessError):
        inventory.reserve("o2", "gpu", 2)
    delivery.schedule("o1")
    delivery.cancel("o1")
    orders.cancel("o1")
    assert (orders.status("o1"), delivery.status("o1"), orders.status("zz")) == ("CANCELLED", "CANCELLED", None)


def test_transaction_rolls_back_and_saga_log(tmp_path) -> None:
    conn = connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,) and not conn.in_transaction
    conn.close()
    log = SagaLog(tmp_path / "log.db")
    log.append("s2", "begin")
    log.append("s1", "begin")
    log.append("s2", "try", "payment")
    assert log.saga_ids() == ["s2", "s1"]
    assert SagaLog(tmp_path / "log.db").events("s2") == [("begin", None), ("try", "payment")]


def test_order_saga_steps_and_state(tmp_path) -> None:
    shop = (OrderService(tmp_path), PaymentService(tmp_path), InventoryService(tmp_path), DeliveryService(tmp_path))
    shop[1].open_wallet("ann", 100)
    shop[2].add_stock("gpu", 5)
    undone = []
    order = Order("o1", "ann", "gpu", 2, 30)
    steps = order_saga_steps(order, *shop, refund=lambda service, oid: undone.append(("refund", oid)),
                             release=lambda service, oid: undone.append(("release", oid)))
    assert [step.name for step in steps] == ["order", "payment", "inventory", "delivery", "approve"]
    for step in steps[:-1]:
        step.action()
    assert order_state("o1", *shop) == {"order": "PENDING", "charged": 30, "reserved": 2, "delivery": "SCHEDULED"}
    steps[-1].action()
    assert order_state("o1", *shop)["order"] == "APPROVED"  # a completed saga leaves nothing pending
    for step in reversed(steps):
        step.compensation()
    assert undone == [("release", "o1"), ("refund", "o1")]
    assert order_state("o1", *shop) == {"order": "CANCELLED", "charged": 30, "reserved": 2, "delivery": "CANCELLED"}
    for service in shop:
        service.close()
    assert order_state("o1", *shop)["order"] == "CANCELLED"  # per-call connections still work


def test_cancel_before_schedule_leaves_a_tombstone(tmp_path) -> None:
    with DeliveryService(tmp_path) as delivery:
        delivery.cancel("late")  # the compensation overtakes its action
        delivery.schedule("late")  # the delayed action arrives: it must not schedule
        assert delivery.status("late") == "CANCELLED"
        delivery.schedule("o1")
        delivery.cancel("o1")
        assert delivery.status("o1") == "CANCELLED"


def test_approve_does_not_revive_a_cancelled_order(tmp_path) -> None:
    with OrderService(tmp_path) as orders:
        orders.create("o1", "ann", "gpu", 1, 5)
        orders.cancel("o1")
        orders.approve("o1")
        assert orders.status("o1") == "CANCELLED"


def _competing_insert(path) -> str:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (100)")
        other.execute("COMMIT")
        return "committed"
    except sqlite3.OperationalError:
        return "blocked"
    finally:
        other.close()


def test_interfere_before_write_forces_check_then_act(tmp_path) -> None:
    path = tmp_path / "t.db"
    setup = connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.close()
    # check in autocommit, then act in a transaction: the interference commits in between
    hook = InterfereBeforeWrite(lambda: _competing_insert(path), table="t")
    conn = hook.watch(connect(path))
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert hook.outcome is None  # a read alone does not trigger it
    conn.execute("BEGIN IMMEDIATE")
    assert hook.outcome == "committed"
    conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("COMMIT")
    conn.close()
    # the write lock first, then read and write: the interference cannot get in
    hook = InterfereBeforeWrite(lambda: _competing_insert(path), table="t")
    conn = hook.watch(connect(path))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT count(*) FROM t").fetchone()
    conn.execute("INSERT INTO t VALUES (2)")
    assert hook.outcome == "blocked"
    conn.execute("COMMIT")
    conn.close()
    # armed: the first BEGIN triggers it with no read seen (the check was made on an unwatched connection)
    unwatched = connect(path)
    assert unwatched.execute("SELECT count(*) FROM t").fetchone() == (3,)
    unwatched.close()
    hook = InterfereBeforeWrite(lambda: _competing_insert(path), table="t", armed=True)
    conn = hook.watch(connect(path))
    conn.execute("BEGIN IMMEDIATE")
    assert hook.outcome == "committed"
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (4,), "the competitor got in before the lock"
    conn.execute("COMMIT")
    conn.close()
    # an error in the interference is recorded, never raised from the trace callback
    hook = InterfereBeforeWrite(lambda: 1 / 0)
    conn = hook.watch(connect(path))
    conn.execute("INSERT INTO t VALUES (3)")
    assert hook.outcome is not None and "ZeroDivisionError" in hook.outcome
    conn.close()


def test_service_on_connect_and_context_managers(tmp_path) -> None:
    seen = []
    with PaymentService(tmp_path) as payments, SagaLog(tmp_path / "log.db") as log:
        payments.on_connect = seen.append
        payments.open_wallet("ann", 5)
        assert payments.balance("ann") == 5
        log.append("s", "begin")
        assert log.events("s") == [("begin", None)]
    assert len(seen) == 2 and all(isinstance(conn, sqlite3.Connection) for conn in seen)
