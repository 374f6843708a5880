"""Packets, rules, a seeded packet trace, and a tiny web stack for the firewall/WAF notebook (19).

Two halves:

* **L3/L4** — :class:`Packet` (what a packet filter sees of a packet: protocol, addresses,
  ports, TCP flags), :class:`Rule` (one line of an ordered rule set) and :func:`make_trace`,
  which writes a seeded, realistic packet trace (outbound connections and their replies,
  unsolicited inbound probes, forged "replies", resets, and addresses chosen to trip
  string-prefix CIDR matching). None of this decides a verdict: that is the exercise.
* **L7** — a user directory in SQLite (:func:`build_user_db`), a WSGI application that answers
  ``GET /users?name=...`` with a lookup function you pass in (:func:`make_user_app`), a WAF
  middleware (:func:`with_waf`), a loopback HTTP server that stops itself (:func:`serve`), a
  client (:func:`http_get`), the labelled request corpus (:func:`load_corpus`) and the
  false-positive / false-negative arithmetic (:func:`confusion`).
"""

from __future__ import annotations

import csv
import ipaddress
import json
import random
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from eng101.netlab import http_get, serve  # noqa: F401 - the loopback server and client the notebook imports from here

TCP_FLAGS = frozenset({"SYN", "ACK", "FIN", "RST"})
ACTIONS = ("allow", "deny")
PROTOCOLS = ("tcp", "udp")


@dataclass(frozen=True)
class Packet:
    """What a packet filter reads from one IPv4 packet.

    ``proto`` is ``"tcp"`` or ``"udp"``; ``src``/``dst`` are dotted quads; ``sport``/``dport``
    ports 0-65535; ``flags`` the TCP flags that are set (a subset of SYN, ACK, FIN, RST),
    always empty for UDP.
    """

    proto: str
    src: str
    sport: int
    dst: str
    dport: int
    flags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.proto not in PROTOCOLS:
            raise ValueError(f"proto must be one of {PROTOCOLS}, got {self.proto!r}")
        for name in ("src", "dst"):
            value = getattr(self, name)
            if type(value) is not str or type(ipaddress.ip_address(value)) is not ipaddress.IPv4Address:
                raise ValueError(f"{name} must be an IPv4 dotted quad, got {value!r}")
        for name in ("sport", "dport"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 65535:
                raise ValueError(f"{name} must be an int port 0-65535, got {value!r}")
        flags = frozenset(self.flags)
        if not flags <= TCP_FLAGS or (self.proto == "udp" and flags):
            raise ValueError(f"bad flags {sorted(flags)} for {self.proto}")
        object.__setattr__(self, "flags", flags)

    @property
    def five_tuple(self) -> tuple[str, str, int, str, int]:
        """``(proto, src, sport, dst, dport)``: the packet's flow, as the sender sees it."""
        return (self.proto, self.src, self.sport, self.dst, self.dport)

    def __str__(self) -> str:
        flags = "+".join(sorted(self.flags, key=["SYN", "FIN", "RST", "ACK"].index)) if self.flags else ""
        return f"{self.proto} {self.src}:{self.sport} -> {self.dst}:{self.dport} {flags}".rstrip()


@dataclass(frozen=True)
class Rule:
    """One line of an ordered rule set.

    ``action`` is ``"allow"`` or ``"deny"``; ``proto`` is ``"tcp"``, ``"udp"`` or ``"any"``;
    ``src`` and ``dst`` are IPv4 CIDR blocks (``"0.0.0.0/0"`` is every address); ``dports`` is
    the destination port range ``(low, high)``, **both ends included** (``(0, 65535)`` is every
    port, ``(443, 443)`` one port).
    """

    action: str
    proto: str
    src: str
    dst: str
    dports: tuple[int, int] = (0, 65535)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {self.action!r}")
        if self.proto not in (*PROTOCOLS, "any"):
            raise ValueError(f"proto must be tcp, udp or any, got {self.proto!r}")
        for name in ("src", "dst"):
            ipaddress.IPv4Network(getattr(self, name))  # strict: no host bits set
        low, high = self.dports
        if not (type(low) is int and type(high) is int and 0 <= low <= high <= 65535):
            raise ValueError(f"dports must be (low, high) with 0 <= low <= high <= 65535, got {self.dports!r}")
        object.__setattr__(self, "dports", (low, high))

    def __str__(self) -> str:
        low, high = self.dports
        ports = "any" if (low, high) == (0, 65535) else (str(low) if low == high else f"{low}-{high}")
        return f"{self.action:<5} {self.proto:<3} {self.src:>16} -> {self.dst:<16} port {ports}"


# --- a seeded packet trace ----------------------------------------------------------------------

INSIDE = "10.1.1.0/24"
"""The protected network of :func:`make_trace`."""

_NEIGHBOURS = ("10.1.10.7", "10.1.100.9", "10.1.11.3")  # share the text prefix "10.1.1" with INSIDE
_SERVERS = ("93.184.216.34", "151.101.1.69", "140.82.112.3", "8.8.8.8", "1.1.1.1")
_STRANGERS = ("203.0.113.66", "198.51.100.23", "45.33.32.156")


def _tcp(src: str, sport: int, dst: str, dport: int, *flags: str) -> Packet:
    return Packet("tcp", src, sport, dst, dport, frozenset(flags))


def make_trace(seed: int, connections: int = 30) -> list[Packet]:
    """A reproducible packet trace seen by a filter in front of :data:`INSIDE`.

    It interleaves: TCP connections from inside hosts to outside servers (handshake, data,
    sometimes a FIN exchange or an RST); UDP queries and their answers; inbound SYNs to
    inside services; forged "replies" (an ACK or a UDP datagram from outside to an inside
    port no connection uses); late replies after an RST; and traffic from hosts of
    ``10.1.10.0/24``-like networks whose addresses start with the same characters as
    ``10.1.1.``. Packets only: the verdicts are for your filter to decide.
    """
    rng = random.Random(seed)
    inside = [f"10.1.1.{host}" for host in (5, 10, 20, 77, 200)]
    flows: list[list[Packet]] = []
    ports = rng.sample(range(32768, 61000), connections + 1)  # each flow its own ephemeral port
    for index in range(connections):
        kind = rng.choices(
            ["tcp_out", "udp_out", "tcp_in", "forged", "neighbour", "tcp_reset"], weights=[5, 3, 2, 2, 2, 2]
        )[0]
        host, port = rng.choice(inside), ports[index]
        server = rng.choice(_SERVERS)
        if kind in ("tcp_out", "tcp_reset"):
            dport = rng.choice([443, 80, 22, 5432, 8080, 8443])
            flow = [_tcp(host, port, server, dport, "SYN"), _tcp(server, dport, host, port, "SYN", "ACK"),
                    _tcp(host, port, server, dport, "ACK")]
            for _ in range(rng.randint(1, 3)):
                flow.append(_tcp(host, port, server, dport, "ACK"))
                flow.append(_tcp(server, dport, host, port, "ACK"))
            if kind == "tcp_reset":
                closer = rng.choice(["inside", "outside"])
                if closer == "inside":
                    flow.append(_tcp(host, port, server, dport, "RST"))
                else:
                    flow.append(_tcp(server, dport, host, port, "RST"))
                flow.append(_tcp(server, dport, host, port, "ACK"))  # a late packet after the reset
            else:
                flow += [_tcp(host, port, server, dport, "FIN", "ACK"), _tcp(server, dport, host, port, "FIN", "ACK"),
                         _tcp(host, port, server, dport, "ACK")]
        elif kind == "udp_out":
            dport = rng.choice([53, 123, 443, 5353])
            flow = [Packet("udp", host, port, server, dport), Packet("udp", server, dport, host, port)]
            if rng.random() < 0.5:
                flow.append(Packet("udp", server, dport, host, ports[-1]))  # a port no flow uses
        elif kind == "tcp_in":
            stranger = rng.choice(_STRANGERS)
            dport = rng.choice([22, 80, 443, 3306, 5432, 8080])
            flow = [_tcp(stranger, port, host, dport, "SYN"), _tcp(host, dport, stranger, port, "SYN", "ACK"),
                    _tcp(stranger, port, host, dport, "ACK")]
        elif kind == "forged":
            stranger = rng.choice(_STRANGERS + _SERVERS)
            source_port = rng.choice([443, 80, 53])
            if rng.random() < 0.5:
                flow = [_tcp(stranger, source_port, host, port, "ACK")]
            else:
                flow = [Packet("udp", stranger, source_port, host, port)]
        else:  # neighbour: a host outside INSIDE whose address shares its text prefix
            neighbour = rng.choice(_NEIGHBOURS)
            dport = rng.choice([22, 5432, 443])
            flow = [_tcp(neighbour, port, host, dport, "SYN"), _tcp(host, dport, neighbour, port, "SYN", "ACK")]
        flows.append(flow)
    trace: list[Packet] = []
    live = [list(flow) for flow in flows]
    while any(live):  # interleave the flows, each kept in order
        flow = rng.choice([flow for flow in live if flow])
        trace.append(flow.pop(0))
    return trace


# --- the web half: a user directory behind a WSGI application -----------------------------------

USERS = (
    (1, "Alice Martin", "alice@example.com"),
    (2, "Sean O'Brien", "sean.obrien@example.com"),
    (3, "Bob Chen", "bob@example.com"),
    (4, "Zoë Durand", "zoe@example.com"),
    (5, "alice martin", "a.martin@example.org"),
    (6, "Union Jack Ltd", "info@unionjack.example"),
)
API_KEYS = (
    ("billing", "sk_live_7Hq2Lr9Xc4"),
    ("model-registry", "mr_prod_Jx81Vb3Ne0"),
)


def build_user_db(path: str | Path, extra_users: Iterable[tuple[int, str, str]] = ()) -> Path:
    """Create the demo database at ``path``: ``users(id, name, email)`` and a secret ``api_keys``."""
    path = Path(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)")
        conn.execute("CREATE TABLE api_keys (service TEXT PRIMARY KEY, token TEXT NOT NULL)")
        conn.executemany("INSERT INTO users VALUES (?, ?, ?)", [*USERS, *extra_users])
        conn.executemany("INSERT INTO api_keys VALUES (?, ?)", API_KEYS)
    finally:
        conn.close()
    return path


Lookup = Callable[[sqlite3.Connection, str], Any]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _respond(start_response: Callable[..., Any], status: str, payload: Any) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def make_user_app(db_path: str | Path, find_users: Lookup) -> WSGIApp:
    """A WSGI application: ``GET /users?name=N`` answers ``{"users": find_users(conn, N)}`` as JSON.

    The query string is decoded once, as every web framework does (``parse_qs``: ``+`` is a
    space, ``%XX`` a byte, UTF-8). Each request opens the database **read-only**, so even a
    successful injection cannot change it; a failing query answers 500 (``sqlite3`` refuses a
    second statement in one ``execute()``: a ``Warning`` in Python 3.11, an ``Error`` later).
    """
    uri = f"file:{Path(db_path).resolve()}?mode=ro"

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/users":
            return _respond(start_response, "404 Not Found", {"error": "no such route"})
        name = parse_qs(environ.get("QUERY_STRING", "")).get("name", [""])[0]
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = find_users(conn, name)
            return _respond(start_response, "200 OK", {"users": [list(row) for row in rows]})
        except (sqlite3.Error, sqlite3.Warning):  # details stay in the server: they would leak the schema
            return _respond(start_response, "500 Internal Server Error", {"error": "query failed"})
        finally:
            conn.close()

    return app


def with_waf(app: WSGIApp, blocks: Callable[[str], bool]) -> WSGIApp:
    """Wrap ``app``: a request whose raw target ``blocks(target)`` flags gets 403 and never reaches it."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        if blocks(target):
            return _respond(start_response, "403 Forbidden", {"error": "blocked by the WAF"})
        return app(environ, start_response)

    return guarded






# --- the labelled corpus and the rates -----------------------------------------------------------

CORPUS_NAME = "waf_corpus.csv"
CORPUS_FIELDS = ("id", "label", "category", "evasion", "path", "param", "raw_value", "note")


@dataclass(frozen=True)
class LabelledRequest:
    """One request of the corpus: its raw target as sent on the wire, and what it is."""

    id: str
    label: str  # "benign" or "malicious"
    category: str  # benign, sqli, xss, traversal
    evasion: str  # none, urlencode, double, case, plus, comment, whitespace
    path: str
    param: str
    raw_value: str  # the parameter's value exactly as sent (percent-encoded)
    note: str

    @property
    def target(self) -> str:
        """The request target: ``path?param=raw_value``."""
        return f"{self.path}?{self.param}={self.raw_value}"

    @property
    def malicious(self) -> bool:
        return self.label == "malicious"


def load_corpus(path: str | Path | None = None) -> list[LabelledRequest]:
    """The labelled requests of ``datasets/waf_corpus.csv`` (found with ``locate_dataset``)."""
    if path is None:
        from eng101.datasets import locate_dataset

        path = locate_dataset(CORPUS_NAME)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    corpus = [LabelledRequest(**{name: row[name] for name in CORPUS_FIELDS}) for row in rows]
    for request in corpus:
        if request.label not in ("benign", "malicious"):
            raise ValueError(f"{request.id}: bad label {request.label!r}")
        if not request.target.isascii() or any(ch <= " " or ch == "\x7f" for ch in request.target):
            raise ValueError(f"{request.id}: a raw target must be printable ASCII without spaces")
    return corpus


@dataclass(frozen=True)
class Confusion:
    """Counts of a filter's verdicts on labelled requests (positive = malicious = should be blocked)."""

    true_positives: int
    false_negatives: int
    false_positives: int
    true_negatives: int

    @property
    def false_positive_rate(self) -> float:
        """Share of benign requests blocked."""
        benign = self.false_positives + self.true_negatives
        return self.false_positives / benign if benign else 0.0

    @property
    def false_negative_rate(self) -> float:
        """Share of malicious requests let through."""
        malicious = self.true_positives + self.false_negatives
        return self.false_negatives / malicious if malicious else 0.0


def confusion(blocks: Callable[[str], bool], requests: Iterable[LabelledRequest]) -> Confusion:
    """Run ``blocks(request.target)`` on every request and count the four outcomes.

    Only ``True`` counts as "blocked"; anything else (``False``, ``None``, a truthy object)
    counts as "let through" — a filter must answer with a real ``bool``.
    """
    tp = fn = fp = tn = 0
    for request in requests:
        blocked = blocks(request.target) is True
        if request.malicious:
            tp, fn = (tp + 1, fn) if blocked else (tp, fn + 1)
        else:
            fp, tn = (fp + 1, tn) if blocked else (fp, tn + 1)
    return Confusion(tp, fn, fp, tn)
