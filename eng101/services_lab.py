"""Small HTTP services on loopback for notebook 04 (architectures).

- :class:`FlakyService` — a payment/customer service in a thread with a real socket on 127.0.0.1
  (a free port). It follows a *fault plan*: one behaviour per request, in arrival order (``ok``,
  ``error``, ``lost_reply``, ``hang``, ``slow``, ``reject``), honours ``Idempotency-Key`` headers the
  way Stripe documents them (a key seen before returns the stored response, nothing is charged
  twice), and counts every request it receives.
- :func:`seeded_plan` — a reproducible fault plan from a seed.
- :class:`MonolithShop` and :class:`ServiceShop` — the same order flow as function calls on one
  SQLite database and as three HTTP services with a database each (the demo of section 3).

Every server stops when its ``with`` block ends: the handler threads are joined, the sockets closed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BEHAVIOURS = ("ok", "error", "lost_reply", "hang", "slow", "reject")


class ClientError(Exception):
    """The service answered 4xx: the request is wrong and retrying it cannot help."""


class ServiceUnavailable(Exception):  # noqa: N818 - the name says what happened
    """Every attempt failed (5xx, timeout or connection error)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread: nothing outlives the block
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and closed its socket is expected here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """No access log on stderr."""

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout) and closed the connection

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        self.server.owner._handle(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802
        self.server.owner._handle(self, "POST")  # type: ignore[attr-defined]


def seeded_plan(seed: int, length: int, kinds: Iterable[str] = ("ok", "error", "lost_reply", "hang", "slow")
                ) -> list[str]:
    """``length`` behaviours drawn from ``kinds`` with ``random.Random(seed)``: the same plan every run."""
    kinds = tuple(kinds)
    unknown = set(kinds) - set(BEHAVIOURS)
    if unknown:
        raise ValueError(f"unknown behaviours {sorted(unknown)}; known: {BEHAVIOURS}")
    rng = random.Random(seed)
    return [rng.choice(kinds) for _ in range(length)]


class FlakyService:
    """A loopback HTTP service that misbehaves on a plan.

    Endpoints (JSON bodies):

    - ``POST /charge`` ``{"order_id": str, "amount": int}`` -> ``200 {"charge_id", "order_id", "amount"}``;
      with an ``Idempotency-Key`` header seen before, the stored response and no new charge;
    - ``GET /quote?order_id=...`` -> ``200 {"order_id", "price"}`` (a read; no side effect);
    - ``GET /customers/<id>`` -> ``200 {"id", "name"}`` or ``404``;
    - ``GET /customers?ids=1,2,3`` -> ``200 {"customers": [{"id", "name"}, ...]}`` (unknown ids left out).

    Each request takes the next behaviour of ``plan`` (then ``default``):

    ``ok`` answers; ``error`` answers 503 and changes nothing; ``lost_reply`` does the work (a charge
    commits) and then answers 503, as when the reply is lost; ``hang`` does the work and then holds
    the connection ``hang_seconds`` before answering (a client without a timeout waits that long);
    ``slow`` answers after ``slow_seconds``; ``reject`` answers 400 and changes nothing.
    """

    def __init__(self, plan: Iterable[str] = (), *, default: str = "ok", hang_seconds: float = 1.5,
                 slow_seconds: float = 0.02, customers: dict[int, str] | None = None) -> None:
        self.plan = list(plan)
        for kind in [*self.plan, default]:
            if kind not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour {kind!r}; known: {BEHAVIOURS}")
        self.default = default
        self.hang_seconds = hang_seconds
        self.slow_seconds = slow_seconds
        self.customers = dict(customers or {})
        self.requests: list[tuple[str, str, str]] = []  # (method, path, behaviour), in arrival order
        self.keys: list[str | None] = []  # the Idempotency-Key header of each request (None: absent)
        self.charges: list[dict[str, Any]] = []  # every charge that committed
        self._responses_by_key: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    def __enter__(self) -> FlakyService:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self  # type: ignore[attr-defined]
        server.timeout = 5
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="flaky-service", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: release hanging requests, join every thread, close the socket."""
        if self._server is None:
            return
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the service is not running (use it in a with block)")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        """How many requests arrived (optionally of one method, under one path prefix)."""
        with self._lock:
            return sum(1 for m, p, _ in self.requests
                       if (method is None or m == method) and p.startswith(path_prefix))

    def charges_for(self, order_id: str) -> int:
        """How many charges committed for ``order_id`` (a correct client: at most one)."""
        with self._lock:
            return sum(1 for charge in self.charges if charge["order_id"] == order_id)

    # --- the request handler -----------------------------------------------------------------------

    def _handle(self, handler: _Handler, method: str) -> None:
        parts = urlsplit(handler.path)
        with self._lock:
            index = len(self.requests)
            behaviour = self.plan[index] if index < len(self.plan) else self.default
            self.requests.append((method, parts.path, behaviour))
            self.keys.append(handler.headers.get("Idempotency-Key"))
        if behaviour == "error":
            handler._send(503, {"error": "service unavailable"})
            return
        if behaviour == "reject":
            handler._send(400, {"error": "bad request"})
            return
        if behaviour == "slow":
            self._release.wait(self.slow_seconds)
        status, payload = self._route(handler, method, parts.path, parts.query)
        if behaviour == "lost_reply":
            handler._send(503, {"error": "upstream timeout"})  # the work is done, the reply says otherwise
            return
        if behaviour == "hang":
            self._release.wait(self.hang_seconds)
        handler._send(status, payload)

    def _route(self, handler: _Handler, method: str, path: str, query: str) -> tuple[int, Any]:
        if method == "POST" and path == "/charge":
            return self._charge(handler)
        if method == "GET" and path == "/quote":
            order_id = parse_qs(query).get("order_id", [""])[0]
            return 200, {"order_id": order_id, "price": 10 * len(order_id)}
        if method == "GET" and path == "/customers":
            raw = parse_qs(query).get("ids", [""])[0]
            try:
                ids = [int(part) for part in raw.split(",") if part]
            except ValueError:
                return 400, {"error": "ids must be integers"}
            found = [{"id": i, "name": self.customers[i]} for i in dict.fromkeys(ids) if i in self.customers]
            return 200, {"customers": found}
        if method == "GET" and path.startswith("/customers/"):
            try:
                customer_id = int(path.rsplit("/", 1)[1])
            except ValueError:
                return 400, {"error": "id must be an integer"}
            if customer_id not in self.customers:
                return 404, {"error": "no such customer"}
            return 200, {"id": customer_id, "name": self.customers[customer_id]}
        return 404, {"error": "no such endpoint"}

    def _charge(self, handler: _Handler) -> tuple[int, Any]:
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            body = json.loads(handler.rfile.read(length) or b"null")
            order_id, amount = body["order_id"], body["amount"]
            if type(order_id) is not str or type(amount) is not int:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "expected {order_id: str, amount: int}"}
        key = handler.headers.get("Idempotency-Key")
        with self._lock:
            if key is not None and key in self._responses_by_key:
                return 200, self._responses_by_key[key]
            charge = {"charge_id": len(self.charges) + 1, "order_id": order_id, "amount": amount}
            self.charges.append(charge)
            if key is not None:
                self._responses_by_key[key] = charge
        return 200, charge


# --- the demo: one order flow, monolith vs services -------------------------------------------------

def _json_request(url: str, payload: Any = None, timeout: float = 5.0) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _open_db(path: Path, schema: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # WAL with synchronous=NORMAL: commits do not wait for fsync, in the monolith and the services alike,
    # so the comparison measures the calls, not the disk
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(schema)
    return conn


_CUSTOMERS = "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, credit INTEGER);"
_STOCK = "CREATE TABLE IF NOT EXISTS stock (item TEXT PRIMARY KEY, price INTEGER, quantity INTEGER);"
_ORDERS = ("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer INTEGER, item TEXT, "
           "quantity INTEGER, total INTEGER);")


class MonolithShop:
    """The order flow as function calls in one process, on one SQLite database, in one transaction."""

    def __init__(self, path: str | Path) -> None:
        self.db = _open_db(Path(path), _CUSTOMERS + _STOCK + _ORDERS)
        self.db.execute("INSERT OR REPLACE INTO customers VALUES (1, 'ada', 1000000)")
        self.db.execute("INSERT OR REPLACE INTO stock VALUES ('gpu-hour', 3, 1000000)")

    def place_order(self, customer: int, item: str, quantity: int) -> int:
        """Check the customer, reserve stock, record the order — one ACID transaction. Returns the total."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            (credit,) = self.db.execute("SELECT credit FROM customers WHERE id = ?", (customer,)).fetchone()
            (price,) = self.db.execute("SELECT price FROM stock WHERE item = ?", (item,)).fetchone()
            total = price * quantity
            if total > credit:
                raise ValueError("credit exceeded")
            self.db.execute("UPDATE stock SET quantity = quantity - ? WHERE item = ?", (quantity, item))
            self.db.execute("INSERT INTO orders (customer, item, quantity, total) VALUES (?, ?, ?, ?)",
                            (customer, item, quantity, total))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return int(total)

    def close(self) -> None:
        self.db.close()


class _Service:
    """One HTTP service on loopback with its own SQLite database and a route table."""

    def __init__(self, name: str, path: Path, schema: str,
                 routes: dict[str, Callable[[sqlite3.Connection, dict[str, Any]], Any]]) -> None:
        self.name = name
        self.db = _open_db(path, schema)
        self.routes = routes
        self.db_lock = threading.Lock()
        service = self

        class Handler(_Handler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                route = service.routes.get(self.path)
                if route is None:
                    self._send(404, {"error": "no such endpoint"})
                    return
                try:
                    with service.db_lock:
                        result = route(service.db, body)
                except ValueError as error:
                    self._send(409, {"error": str(error)})
                    return
                self._send(200, result)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       name=f"{name}-service", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.db.close()


def _credit(db: sqlite3.Connection, body: dict[str, Any]) -> Any:
    row = db.execute("SELECT credit FROM customers WHERE id = ?", (body["customer"],)).fetchone()
    return {"credit": row[0]}


def _reserve(db: sqlite3.Connection, body: dict[str, Any]) -> Any:
    db.execute("BEGIN IMMEDIATE")
    (price,) = db.execute("SELECT price FROM stock WHERE item = ?", (body["item"],)).fetchone()
    db.execute("UPDATE stock SET quantity = quantity - ? WHERE item = ?", (body["quantity"], body["item"]))
    db.execute("COMMIT")
    return {"price": price}


def _record(db: sqlite3.Connection, body: dict[str, Any]) -> Any:
    db.execute("INSERT INTO orders (customer, item, quantity, total) VALUES (?, ?, ?, ?)",
               (body["customer"], body["item"], body["quantity"], body["total"]))
    return {"ok": True}


class ServiceShop:
    """The same flow as three services (customers, inventory, orders), each with its own database.

    ``place_order`` makes one HTTP call per step; ``network_calls`` counts them. There is no
    transaction across the three databases: a failure after the reservation leaves stock reserved
    for an order that was never recorded (notebook 17 handles that with a saga).
    """

    def __init__(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.network_calls = 0
        self.customers = _Service("customers", directory / "customers.db", _CUSTOMERS, {"/credit": _credit})
        self.inventory = _Service("inventory", directory / "inventory.db", _STOCK, {"/reserve": _reserve})
        self.orders = _Service("orders", directory / "orders.db", _ORDERS, {"/orders": _record})
        self.customers.db.execute("INSERT OR REPLACE INTO customers VALUES (1, 'ada', 1000000)")
        self.inventory.db.execute("INSERT OR REPLACE INTO stock VALUES ('gpu-hour', 3, 1000000)")

    def _call(self, service: _Service, path: str, body: dict[str, Any]) -> Any:
        self.network_calls += 1
        return _json_request(service.url + path, body, timeout=5.0)

    def place_order(self, customer: int, item: str, quantity: int) -> int:
        """The same steps as :meth:`MonolithShop.place_order`, each one an HTTP call. Returns the total."""
        credit = self._call(self.customers, "/credit", {"customer": customer})["credit"]
        price = self._call(self.inventory, "/reserve", {"item": item, "quantity": quantity})["price"]
        total = price * quantity
        if total > credit:
            raise ValueError("credit exceeded")  # and the reservation is already committed elsewhere
        self._call(self.orders, "/orders", {"customer": customer, "item": item, "quantity": quantity,
                                            "total": total})
        return int(total)

    def __enter__(self) -> ServiceShop:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for service in (self.customers, self.inventory, self.orders):
            service.close()


def elapsed(function: Callable[[], Any]) -> tuple[Any, float]:
    """``(result, seconds)`` of one call, on the monotonic clock."""
    started = time.monotonic()
    result = function()
    return result, time.monotonic() - started
