from __future__ import annotations

import ipaddress
import socket
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from eng101.firewall_lab import (
    API_KEYS,
    INSIDE,
    USERS,
    Confusion,
    LabelledRequest,
    Packet,
    Rule,
    build_user_db,
    confusion,
    http_get,
    load_corpus,
    make_trace,
    make_user_app,
    serve,
    with_waf,
)

from .conftest import REPO_ROOT

CORPUS = REPO_ROOT / "datasets" / "waf_corpus.csv"


# --- packets and rules ---------------------------------------------------------------------------


def test_packet_five_tuple_and_flags() -> None:
    packet = Packet("tcp", "10.1.1.5", 40000, "93.184.216.34", 443, {"SYN"})  # type: ignore[arg-type]
    assert packet.five_tuple == ("tcp", "10.1.1.5", 40000, "93.184.216.34", 443)
    assert type(packet.flags) is frozenset and packet.flags == {"SYN"}
    assert str(packet) == "tcp 10.1.1.5:40000 -> 93.184.216.34:443 SYN"
    assert Packet("udp", "10.1.1.5", 1, "8.8.8.8", 53).flags == frozenset()


@pytest.mark.parametrize("fields", [
    ("icmp", "10.0.0.1", 1, "10.0.0.2", 2, frozenset()),
    ("tcp", "10.0.0.256", 1, "10.0.0.2", 2, frozenset()),
    ("tcp", "::1", 1, "10.0.0.2", 2, frozenset()),
    ("tcp", "10.0.0.1", 65536, "10.0.0.2", 2, frozenset()),
    ("tcp", "10.0.0.1", 1, "10.0.0.2", -1, frozenset()),
    ("tcp", "10.0.0.1", 1, "10.0.0.2", True, frozenset()),
    ("tcp", "10.0.0.1", 1, "10.0.0.2", 2, frozenset({"PSH"})),
    ("udp", "10.0.0.1", 1, "10.0.0.2", 2, frozenset({"SYN"})),
])
def test_packet_rejects_bad_fields(fields: tuple) -> None:
    with pytest.raises(ValueError):
        Packet(*fields)


def test_rule_validation_and_text() -> None:
    rule = Rule("allow", "tcp", INSIDE, "0.0.0.0/0", (443, 443))
    assert str(rule) == "allow tcp      10.1.1.0/24 -> 0.0.0.0/0        port 443"
    assert Rule("deny", "any", "0.0.0.0/0", "0.0.0.0/0").dports == (0, 65535)
    for bad in [("permit", "tcp", INSIDE, INSIDE, (1, 2)), ("allow", "icmp", INSIDE, INSIDE, (1, 2)),
                ("allow", "tcp", "10.1.1.5/24", INSIDE, (1, 2)), ("allow", "tcp", INSIDE, INSIDE, (9, 8)),
                ("allow", "tcp", INSIDE, INSIDE, (0, 65536))]:
        with pytest.raises(ValueError):
            Rule(*bad)


def test_trace_is_reproducible_and_has_every_kind_of_packet() -> None:
    trace = make_trace(7, connections=60)
    assert trace == make_trace(7, connections=60)
    assert trace != make_trace(8, connections=60)
    inside = ipaddress.ip_network(INSIDE)
    sources = {packet.src for packet in trace}
    text_neighbours = {src for src in sources if src.startswith("10.1.1") and ipaddress.ip_address(src) not in inside}
    assert text_neighbours, "the trace should hold addresses that share 10.1.1's text prefix but lie outside"
    flags = Counter(frozenset(packet.flags) for packet in trace)
    assert flags[frozenset({"SYN"})] and flags[frozenset({"SYN", "ACK"})] and flags[frozenset({"RST"})]
    assert any(packet.proto == "udp" for packet in trace)
    # every packet touches the protected network on one side
    assert all((ipaddress.ip_address(p.src) in inside) or (ipaddress.ip_address(p.dst) in inside) for p in trace)


def test_trace_keeps_each_flow_in_order() -> None:
    trace = make_trace(3, connections=20)
    for index, packet in enumerate(trace):
        if packet.flags == {"SYN", "ACK"}:
            back = (packet.proto, packet.dst, packet.dport, packet.src, packet.sport)
            assert any(p.five_tuple == back and p.flags == {"SYN"} for p in trace[:index])


# --- the web application ---------------------------------------------------------------------------


@pytest.fixture()
def user_db(tmp_path: Path) -> Path:
    return build_user_db(tmp_path / "users.db", extra_users=[(9, "Extra", "x@example.com")])


def _rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def test_user_db_contents(user_db: Path) -> None:
    assert _rows(user_db, "users") == sorted([*USERS, (9, "Extra", "x@example.com")])
    assert _rows(user_db, "api_keys") == sorted(API_KEYS)


def test_app_decodes_once_and_answers_json(user_db: Path) -> None:
    seen: list[str] = []

    def lookup(conn: sqlite3.Connection, name: str) -> list[tuple]:
        seen.append(name)
        return conn.execute("SELECT id, name, email FROM users WHERE name = ?", (name,)).fetchall()

    threads_before = threading.active_count()
    with serve(make_user_app(user_db, lookup)) as port:
        assert http_get(port, "/users?name=Sean+O%27Brien") == (
            200, {"users": [[2, "Sean O'Brien", "sean.obrien@example.com"]]})
        assert http_get(port, "/users?name=%2527") == (200, {"users": []})
        assert http_get(port, "/elsewhere?name=x")[0] == 404
        assert http_get(port, "/users")[1] == {"users": []}
    assert seen == ["Sean O'Brien", "%27", ""]
    assert threading.active_count() == threads_before, "serve() left its thread running"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_app_is_read_only_and_hides_errors(user_db: Path) -> None:
    def vandal(conn: sqlite3.Connection, name: str) -> list[tuple]:
        conn.execute("DELETE FROM users")
        return []

    def broken(conn: sqlite3.Connection, name: str) -> list[tuple]:
        return conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()

    with serve(make_user_app(user_db, vandal)) as port:
        assert http_get(port, "/users?name=x") == (500, {"error": "query failed"})
    with serve(make_user_app(user_db, broken)) as port:
        assert http_get(port, "/users?name=O'Brien") == (500, {"error": "query failed"})
        assert http_get(port, "/users?name=';%20DROP%20TABLE%20users;%20--") == (500, {"error": "query failed"})
        status, body = http_get(port, "/users?name='%20OR%20'1'='1")
        assert status == 200 and len(body["users"]) == len(USERS) + 1  # the injection is real
    assert len(_rows(user_db, "users")) == len(USERS) + 1


def test_waf_sees_the_raw_target(user_db: Path) -> None:
    targets: list[str] = []

    def blocks(target: str) -> bool:
        targets.append(target)
        return "%27" in target

    app = make_user_app(user_db, lambda conn, name: [])
    with serve(with_waf(app, blocks)) as port:
        assert http_get(port, "/users?name=a%27b") == (403, {"error": "blocked by the WAF"})
        assert http_get(port, "/users?name=ab")[0] == 200
    assert targets == ["/users?name=a%27b", "/users?name=ab"]


# --- corpus and rates ------------------------------------------------------------------------------


def test_corpus_shape() -> None:
    corpus = load_corpus(CORPUS)
    assert len(corpus) == 118
    assert len({request.id for request in corpus}) == len(corpus)
    labels = Counter(request.label for request in corpus)
    assert labels == {"malicious": 78, "benign": 40}
    attacks = Counter(request.category for request in corpus if request.malicious)
    assert set(attacks) == {"sqli", "xss", "traversal"}
    evasions = {request.evasion for request in corpus if request.malicious}
    assert evasions == {"none", "urlencode", "double", "plus", "case", "comment", "whitespace"}
    assert all(request.target == f"{request.path}?{request.param}={request.raw_value}" for request in corpus)


def test_corpus_found_by_locate_dataset() -> None:
    assert load_corpus() == load_corpus(CORPUS)


def test_corpus_rejects_bad_rows(tmp_path: Path) -> None:
    text = CORPUS.read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text + "x1,evil,sqli,none,/users,name,a,\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_corpus(bad)
    bad.write_text(text + "x2,benign,benign,none,/users,name,a b,\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_corpus(bad)


def _request(label: str, value: str) -> LabelledRequest:
    return LabelledRequest("t", label, "sqli" if label == "malicious" else "benign", "none", "/u", "n", value, "")


def test_confusion_counts_only_true_as_blocked() -> None:
    requests = [_request("malicious", "a"), _request("malicious", "b"), _request("benign", "c"),
                _request("benign", "d"), _request("benign", "e")]
    verdicts = {"/u?n=a": True, "/u?n=b": 1, "/u?n=c": True, "/u?n=d": False, "/u?n=e": None}
    result = confusion(lambda target: verdicts[target], requests)  # type: ignore[arg-type, return-value]
    assert result == Confusion(true_positives=1, false_negatives=1, false_positives=1, true_negatives=2)
    assert result.false_negative_rate == 0.5 and result.false_positive_rate == pytest.approx(1 / 3)
    assert Confusion(0, 0, 0, 0).false_positive_rate == 0.0 == Confusion(0, 0, 0, 0).false_negative_rate
