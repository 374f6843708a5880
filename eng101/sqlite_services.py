"""Small services that each own an SQLite database, and a durable saga log.

Used by the saga notebook (17). Every service keeps its state in its own file and changes
it only in local ACID transactions (``BEGIN IMMEDIATE`` ... ``COMMIT``); nothing spans two
files, which is exactly why a saga is needed. Every forward action is idempotent per
``order_id`` (an idempotency key), so an orchestrator may safely call it again.

Faults are injected through a :class:`eng101.faults.FaultPlan`, checked at two points of
every action: ``"<service>.<action>"`` before the local transaction (the call fails, nothing
changed) and ``"<service>.<action>:reply"`` after its COMMIT (the work is done, but the
caller sees an error, like a timeout whose reply was lost).

The compensations of the payment and inventory services are left to the notebook's
exercise; the order and delivery services bring theirs (``cancel``).

Durability: every service and the saga log commit with ``synchronous=FULL`` (WAL mode), so an
event the log records about a service ("done") is never more durable than the service's own
commit, and the reverse; see https://www.sqlite.org/pragma.html#pragma_synchronous.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self

from eng101.faults import FaultPlan


class BusinessError(Exception):
    """A step refused for a business reason (no funds, out of stock): not a fault."""


def connect(path: str | Path, timeout: float = 10.0) -> sqlite3.Connection:
    """A connection in autocommit mode (``isolation_level=None``): transactions are exactly
    the ``BEGIN``/``COMMIT`` you write, on every Python from 3.11 on. ``timeout`` is SQLite's
    busy timeout: how long a statement waits for another connection's lock."""
    return sqlite3.connect(path, isolation_level=None, timeout=timeout)


SYNCHRONOUS = "FULL"
"""The default ``synchronous`` level of every service and of the saga log: they must agree. A log at a
weaker level than the services (say OFF while they are FULL) can lose, in a power cut, the
``try`` of a step whose service kept its commit: recovery would never compensate it. Services at
a weaker level than the log can lose a commit the log already calls ``done``."""


def _checked_level(synchronous: str) -> str:
    level = synchronous.upper()
    if level not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"unknown synchronous level {synchronous!r}")
    return level


def _keeper(path: Path, schema: str) -> sqlite3.Connection:
    """Switch the file to WAL, create the schema, and keep this connection open for the owner's
    lifetime (closed when the owner is garbage-collected, or by its ``close()``).

    Without it every short-lived connection would be the last one, and closing the last
    connection to a WAL database checkpoints and deletes the WAL: a few fsyncs per call.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # only the schema is written through this connection
    conn.executescript(schema)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (take the write lock now) ... ``COMMIT``, or ``ROLLBACK`` on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Service:
    """A service and the one SQLite file it owns, committed at the ``synchronous`` level given
    (:data:`SYNCHRONOUS` by default; use the saga log's level)."""

    name = "service"
    schema = ""

    def __init__(self, directory: str | Path, faults: FaultPlan | None = None,
                 synchronous: str = SYNCHRONOUS) -> None:
        self.path = Path(directory) / f"{self.name}.db"
        self.synchronous = _checked_level(synchronous)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.faults = faults if faults is not None else FaultPlan.none()
        # called with every connection connect() opens: tests use it to watch them
        self.on_connect: Callable[[sqlite3.Connection], object] | None = None
        self._keeper = _keeper(self.path, self.schema)
        weakref.finalize(self, self._keeper.close)

    def close(self) -> None:
        """Close the connection the service keeps open (see :func:`_keeper`)."""
        self._keeper.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def connect(self) -> sqlite3.Connection:
        """A new autocommit connection to this service's database (close it when done).

        ``synchronous=FULL`` in WAL mode by default (:data:`SYNCHRONOUS`): a commit survives the
        crash of any process and a power cut, as the saga log's events do.
        """
        conn = connect(self.path)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        if self.on_connect is not None:
            self.on_connect(conn)
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.close()

    def _action(self, action: str, work: Callable[[sqlite3.Connection], object]) -> object:
        self.faults.check(f"{self.name}.{action}")
        with self.connection() as conn, transaction(conn):
            result = work(conn)
        self.faults.check(f"{self.name}.{action}:reply")
        return result


class OrderService(Service):
    """``orders(order_id, customer, item, quantity, amount, status)``; status is
    ``PENDING`` after :meth:`create` (a semantic lock: the order is not final yet),
    ``APPROVED`` after :meth:`approve` and ``CANCELLED`` after :meth:`cancel`."""

    name = "order"
    schema = """
    CREATE TABLE IF NOT EXISTS orders (
        order_id TEXT PRIMARY KEY,
        customer TEXT NOT NULL,
        item     TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        amount   INTEGER NOT NULL CHECK (amount > 0),
        status   TEXT NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'CANCELLED'))
    );
    """

    def create(self, order_id: str, customer: str, item: str, quantity: int, amount: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR IGNORE INTO orders VALUES (?, ?, ?, ?, ?, 'PENDING')",
                         (order_id, customer, item, quantity, amount))
        self._action("create", work)

    def approve(self, order_id: str) -> None:
        """The saga's last step: a PENDING order becomes APPROVED (a CANCELLED one stays so)."""
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE orders SET status = 'APPROVED' WHERE order_id = ? AND status = 'PENDING'",
                         (order_id,))
        self._action("approve", work)

    def cancel(self, order_id: str) -> None:
        """Compensation of :meth:`create` and :meth:`approve`: the order stays, marked CANCELLED
        (a no-op if absent)."""
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE orders SET status = 'CANCELLED' WHERE order_id = ?", (order_id,))
        self._action("cancel", work)

    def status(self, order_id: str) -> str | None:
        with self.connection() as conn:
            row = conn.execute("SELECT status FROM orders WHERE order_id = ?", (order_id,)).fetchone()
        return row[0] if row else None


class PaymentService(Service):
    """``wallets(customer, balance)`` and an append-only ``ledger(id, order_id, customer,
    kind, amount)`` with ``kind`` in ``('charge', 'refund')`` and at most one row of each
    kind per order (``UNIQUE (order_id, kind)``)."""

    name = "payment"
    schema = """
    CREATE TABLE IF NOT EXISTS wallets (
        customer TEXT PRIMARY KEY,
        balance  INTEGER NOT NULL CHECK (balance >= 0)
    );
    CREATE TABLE IF NOT EXISTS ledger (
        id       INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL,
        customer TEXT NOT NULL,
        kind     TEXT NOT NULL CHECK (kind IN ('charge', 'refund')),
        amount   INTEGER NOT NULL CHECK (amount > 0),
        UNIQUE (order_id, kind)
    );
    """

    def open_wallet(self, customer: str, balance: int) -> None:
        with self.connection() as conn:
            conn.execute("INSERT OR REPLACE INTO wallets VALUES (?, ?)", (customer, balance))

    def charge(self, order_id: str, customer: str, amount: int) -> None:
        """Take ``amount`` from the wallet, once per order; :class:`BusinessError` if short."""
        def work(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM ledger WHERE order_id = ? AND kind = 'charge'",
                            (order_id,)).fetchone():
                return  # already charged: idempotent
            row = conn.execute("SELECT balance FROM wallets WHERE customer = ?", (customer,)).fetchone()
            if row is None or row[0] < amount:
                raise BusinessError(f"{customer} cannot pay {amount}")
            conn.execute("UPDATE wallets SET balance = balance - ? WHERE customer = ?", (amount, customer))
            conn.execute("INSERT INTO ledger (order_id, customer, kind, amount) VALUES (?, ?, 'charge', ?)",
                         (order_id, customer, amount))
        self._action("charge", work)

    def balance(self, customer: str) -> int:
        with self.connection() as conn:
            row = conn.execute("SELECT balance FROM wallets WHERE customer = ?", (customer,)).fetchone()
        return row[0] if row else 0


class InventoryService(Service):
    """``stock(item, quantity)`` and ``reservations(order_id, item, quantity, stock_before,
    released)``; ``stock_before`` records the stock seen when the reservation was made."""

    name = "inventory"
    schema = """
    CREATE TABLE IF NOT EXISTS stock (
        item     TEXT PRIMARY KEY,
        quantity INTEGER NOT NULL CHECK (quantity >= 0)
    );
    CREATE TABLE IF NOT EXISTS reservations (
        order_id     TEXT PRIMARY KEY,
        item         TEXT NOT NULL,
        quantity     INTEGER NOT NULL CHECK (quantity > 0),
        stock_before INTEGER NOT NULL,
        released     INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1))
    );
    """

    def add_stock(self, item: str, quantity: int) -> None:
        with self.connection() as conn:
            conn.execute("INSERT OR REPLACE INTO stock VALUES (?, ?)", (item, quantity))

    def reserve(self, order_id: str, item: str, quantity: int) -> None:
        """Take ``quantity`` of ``item`` out of stock for the order, once; :class:`BusinessError`
        if there is not enough."""
        def work(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM reservations WHERE order_id = ?", (order_id,)).fetchone():
                return  # already reserved: idempotent
            row = conn.execute("SELECT quantity FROM stock WHERE item = ?", (item,)).fetchone()
            if row is None or row[0] < quantity:
                raise BusinessError(f"not enough {item} for {order_id}")
            conn.execute("UPDATE stock SET quantity = quantity - ? WHERE item = ?", (quantity, item))
            conn.execute("INSERT INTO reservations VALUES (?, ?, ?, ?, 0)", (order_id, item, quantity, row[0]))
        self._action("reserve", work)

    def stock(self, item: str) -> int:
        with self.connection() as conn:
            row = conn.execute("SELECT quantity FROM stock WHERE item = ?", (item,)).fetchone()
        return row[0] if row else 0


class DeliveryService(Service):
    """``deliveries(order_id, status)`` with status ``SCHEDULED`` or ``CANCELLED``."""

    name = "delivery"
    schema = """
    CREATE TABLE IF NOT EXISTS deliveries (
        order_id TEXT PRIMARY KEY,
        status   TEXT NOT NULL CHECK (status IN ('SCHEDULED', 'CANCELLED'))
    );
    """

    def schedule(self, order_id: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR IGNORE INTO deliveries VALUES (?, 'SCHEDULED')", (order_id,))
        self._action("schedule", work)

    def cancel(self, order_id: str) -> None:
        """Compensation of :meth:`schedule`. If nothing was scheduled yet it leaves a tombstone,
        a ``CANCELLED`` row, so that a delayed :meth:`schedule` arriving later does nothing: a
        compensation may overtake the action it compensates."""
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO deliveries VALUES (?, 'CANCELLED') "
                         "ON CONFLICT (order_id) DO UPDATE SET status = 'CANCELLED'", (order_id,))
        self._action("cancel", work)

    def status(self, order_id: str) -> str | None:
        with self.connection() as conn:
            row = conn.execute("SELECT status FROM deliveries WHERE order_id = ?", (order_id,)).fetchone()
        return row[0] if row else None


class Order(NamedTuple):
    order_id: str
    customer: str
    item: str
    quantity: int
    amount: int


class Step(NamedTuple):
    """One saga step: a local transaction and the compensating transaction that undoes it."""

    name: str
    action: Callable[[], object]
    compensation: Callable[[], object]


class SagaLog:
    """The orchestrator's durable log: an append-only table in its own SQLite file.

    Each :meth:`append` is its own committed transaction (WAL, ``synchronous=FULL``, the
    services' level: :data:`SYNCHRONOUS`), so an event, once appended, survives a crash of the
    orchestrator's process and a power cut. Tests that kill processes but never the power may pass
    ``synchronous="NORMAL"`` to the log and to every service alike, which saves an fsync per commit.
    """

    def __init__(self, path: str | Path, synchronous: str = SYNCHRONOUS) -> None:
        self.path = Path(path)
        self.synchronous = _checked_level(synchronous)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._keeper = _keeper(self.path, """
            CREATE TABLE IF NOT EXISTS saga_log (
                seq     INTEGER PRIMARY KEY AUTOINCREMENT,
                saga_id TEXT NOT NULL,
                event   TEXT NOT NULL,
                step    TEXT
            );""")
        weakref.finalize(self, self._keeper.close)

    def close(self) -> None:
        """Close the connection the log keeps open."""
        self._keeper.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.path)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        try:
            yield conn
        finally:
            conn.close()

    def append(self, saga_id: str, event: str, step: str | None = None) -> None:
        """Durably record ``event`` (and the ``step`` it is about) for ``saga_id``."""
        with self._connection() as conn:
            conn.execute("INSERT INTO saga_log (saga_id, event, step) VALUES (?, ?, ?)",
                         (saga_id, event, step))

    def events(self, saga_id: str) -> list[tuple[str, str | None]]:
        """The ``(event, step)`` pairs of one saga, oldest first."""
        with self._connection() as conn:
            return conn.execute("SELECT event, step FROM saga_log WHERE saga_id = ? ORDER BY seq",
                                (saga_id,)).fetchall()

    def saga_ids(self) -> list[str]:
        """Every saga with at least one event, in order of first appearance."""
        with self._connection() as conn:
            rows = conn.execute("SELECT saga_id FROM saga_log GROUP BY saga_id ORDER BY min(seq)").fetchall()
        return [row[0] for row in rows]


def order_saga_steps(order: Order, orders: OrderService, payments: PaymentService,
                     inventory: InventoryService, delivery: DeliveryService,
                     refund: Callable[[PaymentService, str], object],
                     release: Callable[[InventoryService, str], object]) -> list[Step]:
    """The five steps of an order: order -> payment -> inventory -> delivery -> approve, each
    with its compensation. The last one turns the PENDING order APPROVED, so a completed saga
    leaves no order pending. ``refund`` and ``release`` are the payment and inventory
    compensations, called as ``refund(payments, order_id)`` and ``release(inventory, order_id)``."""
    oid = order.order_id
    return [
        Step("order", lambda: orders.create(oid, order.customer, order.item, order.quantity, order.amount),
             lambda: orders.cancel(oid)),
        Step("payment", lambda: payments.charge(oid, order.customer, order.amount),
             lambda: refund(payments, oid)),
        Step("inventory", lambda: inventory.reserve(oid, order.item, order.quantity),
             lambda: release(inventory, oid)),
        Step("delivery", lambda: delivery.schedule(oid), lambda: delivery.cancel(oid)),
        Step("approve", lambda: orders.approve(oid), lambda: orders.cancel(oid)),
    ]


def order_state(order_id: str, orders: OrderService, payments: PaymentService,
                inventory: InventoryService, delivery: DeliveryService) -> dict[str, object]:
    """What each service's own database says about one order (read-only, four connections)."""
    with payments.connection() as conn:
        ledger = dict(conn.execute("SELECT kind, amount FROM ledger WHERE order_id = ?", (order_id,)))
    with inventory.connection() as conn:
        row = conn.execute("SELECT quantity, released FROM reservations WHERE order_id = ?",
                           (order_id,)).fetchone()
    return {
        "order": orders.status(order_id),
        "charged": ledger.get("charge", 0) - ledger.get("refund", 0),
        "reserved": row[0] if row and not row[1] else 0,
        "delivery": delivery.status(order_id),
    }
