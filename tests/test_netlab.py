"""eng101.netlab: the lossy UDP relay, the re-chunking TCP proxy and the small ARQ protocol."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from eng101.netlab import (
    FaultPlan,
    GoBackNReceiver,
    RechunkingProxy,
    UdpRelay,
    ack_packet,
    bytes_waiting,
    data_packet,
    fin_packet,
    parse_packet,
    rechunked_pair,
    send_stop_and_wait,
    tcp_pair,
    wait_for_bytes,
)


def _udp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(1.0)
    return sock


def _recv_all(sock: socket.socket, quiet: float = 0.1, limit: int = 100) -> list[bytes]:
    got = []
    sock.settimeout(quiet)
    for _ in range(limit):
        try:
            got.append(sock.recv(65535))
        except TimeoutError:
            break
    return got


def _no_helper_threads() -> bool:
    names = {thread.name for thread in threading.enumerate()}
    return not names & {"udp-relay", "proxy-accept", "proxy-forward", "proxy-reverse", "gbn-receiver"}


def test_plan_is_deterministic_per_direction_whatever_the_interleaving():
    first, second = FaultPlan(seed=7, drop=0.3, duplicate=0.2, hold=0.2), FaultPlan(seed=7, drop=0.3, duplicate=0.2,
                                                                                      hold=0.2)
    forward_first = [first.decide("forward", i, b"") for i in range(50)]
    reverse_first = [first.decide("reverse", i, b"") for i in range(50)]
    interleaved = [(second.decide("reverse", i, b""), second.decide("forward", i, b"")) for i in range(50)]
    assert forward_first == [f for _, f in interleaved]
    assert reverse_first == [r for r, _ in interleaved]
    assert set(forward_first) == {"pass", "drop", "duplicate", "hold"}
    assert FaultPlan(seed=8, drop=0.3).decide("forward", 0, b"") in ("pass", "drop")


def test_plan_script_and_rule_take_precedence_and_bad_plans_are_refused():
    plan = FaultPlan(seed=1, drop=1.0, script={("forward", 2): "duplicate"},
                     rule=lambda d, i, data: "hold" if data == b"x" else None)
    assert [plan.decide("forward", i, b"y") for i in range(3)] == ["drop", "drop", "duplicate"]
    assert plan.decide("forward", 3, b"x") == "hold"
    for bad in ({"drop": 1.5}, {"drop": 0.6, "hold": 0.6}, {"script": {("sideways", 0): "drop"}},
                {"script": {("forward", 0): "explode"}}):
        with pytest.raises(ValueError):
            FaultPlan(**bad)
    with pytest.raises(ValueError):
        FaultPlan(rule=lambda *a: "explode").decide("forward", 0, b"")


def test_relay_forwards_both_ways_and_applies_a_script():
    target, client = _udp(), _udp()
    plan = FaultPlan(script={("forward", 0): "drop", ("forward", 1): "duplicate", ("forward", 2): "hold"})
    try:
        with UdpRelay(target.getsockname(), plan) as relay:
            for payload in (b"zero", b"one", b"two", b"three"):
                client.sendto(payload, relay.address)
            got = _recv_all(target)
            assert got == [b"one", b"one", b"three", b"two"]  # 0 dropped, 1 twice, 2 after 3
            target.sendto(b"back", relay.address)
            assert client.recv(100) == b"back"
        assert _no_helper_threads()
        assert relay.counts["forward"] == {"received": 4, "dropped": 1, "duplicated": 1, "held": 1, "forwarded": 4}
        assert relay.counts["reverse"]["forwarded"] == 1
        kinds = [(e.kind, e.direction, e.index, e.action) for e in relay.events if e.direction == "forward"]
        assert ("in", "forward", 0, "drop") in kinds and ("out", "forward", 2, "hold") in kinds
    finally:
        target.close()
        client.close()


def test_relay_releases_a_lonely_held_datagram_and_delays_every_datagram():
    target, client = _udp(), _udp()
    try:
        with UdpRelay(target.getsockname(), FaultPlan(script={("forward", 0): "hold"}), delay=0.03,
                      hold_timeout=0.02) as relay:
            started = time.monotonic()
            client.sendto(b"lonely", relay.address)
            assert target.recv(100) == b"lonely"
            assert time.monotonic() - started >= 0.045  # delay + hold_timeout
            started = time.monotonic()
            client.sendto(b"next", relay.address)
            assert target.recv(100) == b"next"
            assert time.monotonic() - started >= 0.025
    finally:
        target.close()
        client.close()


def test_relay_pipelines_delayed_datagrams():
    target, client = _udp(), _udp()
    try:
        with UdpRelay(target.getsockname(), delay=0.05) as relay:
            started = time.monotonic()
            for number in range(10):
                client.sendto(bytes([number]), relay.address)
            got = [target.recv(10) for _ in range(10)]
            elapsed = time.monotonic() - started
        assert got == [bytes([n]) for n in range(10)]
        assert 0.045 <= elapsed < 0.4, elapsed  # ten datagrams in one delay, not ten delays
    finally:
        target.close()
        client.close()


def test_rechunked_pair_in_lockstep_gives_one_chunk_per_recv():
    with rechunked_pair(chunks=[1, 3, 2], lockstep=True) as (writer, reader, proxy):
        writer.sendall(b"abcdefghijklmnop")
        got = []
        for _ in range(20):
            got.append(reader.recv(100))
            if sum(map(len, got)) >= 16:
                break
        writer.shutdown(socket.SHUT_WR)
        assert reader.recv(100) == b""  # end of stream passed on
    assert got == [b"a", b"bcd", b"ef", b"g", b"hij", b"kl", b"m", b"nop"]
    assert proxy.bytes_forwarded == 16 and proxy.chunk_sizes == [1, 3, 2, 1, 3, 2, 1, 3]
    assert proxy.connections == 1 and _no_helper_threads()


def test_rechunked_pair_with_a_seed_is_repeatable_and_forwards_replies():
    sizes = []
    for _ in range(2):
        with rechunked_pair(seed=3, max_chunk=5) as (writer, reader, proxy):
            writer.sendall(bytes(100))
            assert wait_for_bytes(reader, 100)
            assert bytes_waiting(reader) == 100 and reader.recv(200) == bytes(100)
            reader.sendall(b"reply")
            assert writer.recv(10) == b"reply"
        sizes.append(proxy.chunk_sizes)
    assert sizes[0] == sizes[1] and sum(sizes[0]) == 100 and max(sizes[0]) <= 5 and min(sizes[0]) >= 1
    with pytest.raises(ValueError):
        RechunkingProxy(("127.0.0.1", 1), chunks=[0])


def test_packets_round_trip_and_malformed_ones_are_refused():
    assert parse_packet(data_packet(255, b"xy")) == ("D", 255, b"xy")
    assert parse_packet(fin_packet(3)) == ("F", 3, b"")
    assert parse_packet(ack_packet(0)) == ("A", 0, b"")
    for bad in (b"", b"D", b"X\x00", b"A\x00\x00"):
        with pytest.raises(ValueError):
            parse_packet(bad)
    with pytest.raises(ValueError):
        data_packet(256, b"")


def test_receiver_accepts_in_order_only_and_acks_cumulatively():
    sender = _udp()
    try:
        with GoBackNReceiver() as receiver:
            replies = []
            for packet in (data_packet(0, b"a"), data_packet(0, b"a"), data_packet(2, b"c"), data_packet(1, b"b"),
                           fin_packet(2), fin_packet(2)):
                sender.sendto(packet, receiver.address)
                replies.append(sender.recv(10))
            assert replies == [ack_packet(n) for n in (1, 1, 1, 2, 3, 3)]
            assert receiver.data == b"ab" and receiver.finished.is_set()
    finally:
        sender.close()


@pytest.mark.parametrize("plan", [FaultPlan.clean(), FaultPlan(seed=2, drop=0.1, duplicate=0.1, hold=0.1)])
def test_stop_and_wait_delivers_exactly_once_and_wraps_sequence_numbers(plan):
    data = bytes(range(256)) * 3  # 384 chunks of 2 bytes: the one-byte sequence numbers wrap
    sender = _udp()
    try:
        with GoBackNReceiver() as receiver, UdpRelay(receiver.address, plan) as relay:
            sent = send_stop_and_wait(sender, relay.address, data, chunk_size=2, rto=0.01)
            assert receiver.finished.is_set()
        assert receiver.data == data and receiver.counts["delivered"] == 384
        assert sent >= 385 and relay.counts["forward"]["received"] <= sent
        assert sender.gettimeout() == 1.0
    finally:
        sender.close()


def test_stop_and_wait_gives_up_at_its_deadline():
    sender = _udp()
    try:
        with GoBackNReceiver() as receiver, UdpRelay(receiver.address, FaultPlan(drop=1.0)) as relay:
            with pytest.raises(TimeoutError):
                send_stop_and_wait(sender, relay.address, b"lost", rto=0.01, deadline=0.1)
            assert receiver.data == b""
    finally:
        sender.close()


def test_chunks_cut_the_stream_not_each_read():
    with rechunked_pair(chunks=[4], lockstep=True) as (writer, reader, proxy):
        writer.sendall(b"abcdef")
        time.sleep(0.01)  # a second read at the proxy, shorter than the quiet flush
        writer.sendall(b"ghijkl")
        got = [reader.recv(100) for _ in range(3)]
    assert got == [b"abcd", b"efgh", b"ijkl"] and proxy.chunk_sizes == [4, 4, 4]


def test_a_tail_leaves_when_the_writer_goes_quiet():
    with rechunked_pair(chunks=[100]) as (writer, reader, proxy):
        writer.sendall(b"short")
        assert reader.recv(100) == b"short"  # after the 50 ms quiet flush
    assert proxy.chunk_sizes == [5]  # read once the proxy's threads are joined


def test_tcp_pair_is_connected_and_closed():
    with tcp_pair(timeout=1.0) as (client, server):
        client.sendall(b"ping")
        assert wait_for_bytes(server, 4) and server.recv(10) == b"ping"
        server.sendall(b"pong")
        assert client.recv(10) == b"pong"
    assert client.fileno() == -1 and server.fileno() == -1
