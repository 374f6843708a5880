"""Cart servers as real processes on loopback, and a round-robin balancer (12_stateful_stateless).

``start_instance(name, store)`` starts ``python -m eng101.state_lab`` as a child process: an HTTP
server on 127.0.0.1 (port chosen by the OS) that keeps shopping carts either in its own memory
(``store="memory"``: stateful) or in a shared SQLite file (``store="sqlite"``: the process keeps
nothing between requests). ``RoundRobinBalancer`` spreads requests over instances and skips one
that refuses connections, as a load balancer with health checks does. ``cluster()`` starts several
instances and kills and reaps every one on exit, whatever happened.

Endpoints (GET, JSON answers): ``/add?cart=C&item=I`` adds one item, ``/cart?cart=C`` reads a cart;
both answer ``{"cart": C, "items": {...}, "served_by": NAME}``.

The SQLite store serialises writers with ``BEGIN IMMEDIATE`` (a pessimistic write lock), so that
this helper does not contain the optimistic-concurrency exercise of the notebook.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# --- the server (runs in the child process) -----------------------------------------------------


class MemoryCarts:
    """Carts in this process's memory: lost when the process dies."""

    def __init__(self) -> None:
        self._carts: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def add(self, cart: str, item: str) -> dict[str, int]:
        with self._lock:
            items = self._carts.setdefault(cart, {})
            items[item] = items.get(item, 0) + 1
            return dict(items)

    def get(self, cart: str) -> dict[str, int]:
        with self._lock:
            return dict(self._carts.get(cart, {}))


class SqliteCarts:
    """Carts in a SQLite file shared by every instance: each request opens its own connection."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = str(db_path)
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS cart_items (cart TEXT, item TEXT, qty INTEGER,"
                         " PRIMARY KEY (cart, item))")
        conn.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=5.0, isolation_level=None)

    def _read(self, conn: sqlite3.Connection, cart: str) -> dict[str, int]:
        rows = conn.execute("SELECT item, qty FROM cart_items WHERE cart = ? ORDER BY item", (cart,))
        return {item: qty for item, qty in rows}

    def add(self, cart: str, item: str) -> dict[str, int]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock before reading
            conn.execute("INSERT INTO cart_items VALUES (?, ?, 1) ON CONFLICT (cart, item)"
                         " DO UPDATE SET qty = qty + 1", (cart, item))
            items = self._read(conn, cart)
            conn.execute("COMMIT")
            return items
        finally:
            conn.close()

    def get(self, cart: str) -> dict[str, int]:
        conn = self._connect()
        try:
            return self._read(conn, cart)
        finally:
            conn.close()


def make_server(name: str, carts: MemoryCarts | SqliteCarts) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1, port chosen by the OS, answering the cart endpoints."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            cart = query.get("cart", "")
            if url.path == "/add" and cart and query.get("item"):
                status, items = 200, carts.add(cart, query["item"])
            elif url.path == "/cart" and cart:
                status, items = 200, carts.get(cart)
            else:
                status, items = 404, {}
            body = json.dumps({"cart": cart, "items": items, "served_by": name}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="one cart server instance on loopback")
    parser.add_argument("--name", required=True)
    parser.add_argument("--store", choices=("memory", "sqlite"), required=True)
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    carts = SqliteCarts(args.db) if args.store == "sqlite" else MemoryCarts()
    server = make_server(args.name, carts)
    print(server.server_address[1], flush=True)  # the parent reads the port from this line
    # stop when the parent closes our stdin (or dies): nothing outlives the notebook
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()


# --- the parent side ------------------------------------------------------------------------------


@dataclass
class Instance:
    """One server process: its name, store, port and the Popen handle."""

    name: str
    store: str
    port: int
    process: subprocess.Popen[str] = field(repr=False)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process (a crash: no clean-up runs) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def start_instance(name: str, store: str, db_path: str | Path | None = None,
                   timeout: float = 10.0) -> Instance:
    """Start one cart server process and wait for its port (killed if it does not report one)."""
    command = [sys.executable, "-m", "eng101.state_lab", "--name", name, "--store", store]
    if db_path is not None:
        command += ["--db", str(db_path)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=str(Path(__file__).resolve().parent.parent))
    port_line: list[str] = []
    reader = threading.Thread(target=lambda: port_line.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if reader.is_alive() or not port_line or not port_line[0].strip().isdigit():
        process.kill()
        process.wait(timeout=5)
        reader.join(5)
        raise RuntimeError(f"instance {name} did not start")
    return Instance(name, store, int(port_line[0]), process)


def http_get_json(port: int, target: str, timeout: float = 2.0) -> dict[str, Any]:
    """GET target from 127.0.0.1:port over a fresh connection; the decoded JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", target)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


class RoundRobinBalancer:
    """Sends request k to instance k mod n, skipping (and remembering) instances that refuse."""

    def __init__(self, instances: list[Instance]) -> None:
        self.instances = list(instances)
        self.down: set[str] = set()
        self._next = 0

    def get(self, target: str) -> dict[str, Any]:
        for _ in range(len(self.instances)):
            instance = self.instances[self._next % len(self.instances)]
            self._next += 1
            if instance.name in self.down:
                continue
            try:
                return http_get_json(instance.port, target)
            except OSError:  # connection refused or reset: mark it down, try the next one
                self.down.add(instance.name)
        raise ConnectionError("no instance is up")


@contextmanager
def cluster(store: str, names: tuple[str, ...] = ("A", "B"),
            db_path: str | Path | None = None) -> Iterator[list[Instance]]:
    """Start one instance per name; on exit kill and reap every one."""
    instances: list[Instance] = []
    try:
        for name in names:
            instances.append(start_instance(name, store, db_path))
        yield instances
    finally:
        for instance in instances:
            instance.kill()


if __name__ == "__main__":
    _serve(sys.argv[1:])
