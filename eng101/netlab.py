"""Real sockets on loopback, with faults on demand: a lossy UDP relay and a re-chunking TCP proxy.

Notebooks about transport protocols need the network to misbehave *on cue*: drop the first data
datagram, duplicate the acknowledgement of packet 3, deliver one ``send`` as five ``recv``\\ s.
Loopback never does that by itself, so the two middleboxes here do it, deterministically:

- :class:`UdpRelay` forwards UDP datagrams between a client and a target on 127.0.0.1 and applies
  a :class:`FaultPlan` (drop, duplicate, hold back = reorder) plus a fixed one-way delay. The fate
  of the n-th datagram of each direction depends only on the plan, the seed and n, never on
  thread timing: a plan may be seeded-random, an explicit script, or a rule that looks at the bytes.
- :class:`RechunkingProxy` forwards a TCP byte stream and cuts it into chunks of sizes taken from a
  list or a seed (down to 1 byte), optionally in *lockstep* with the reader: the next chunk is sent
  only when the reader's receive queue is empty, so each ``recv`` returns exactly one chunk.

Both are context managers that stop their threads and close their sockets on exit, and both keep
counters a test can read. The small Go-Back-N receiver and stop-and-wait sender at the end speak the
packet format of :func:`data_packet` / :func:`ack_packet` / :func:`fin_packet` (one kind byte, one
sequence byte, modulo :data:`SEQ_SPACE`). :func:`serve` runs a WSGI application over HTTP on
loopback for the notebooks that need a real web server.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import heapq
import http.client
import itertools
import json
import random
import select
import socket
import termios
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

#: A WSGI application (PEP 3333): environ, start_response -> the body's byte strings.
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

__all__ = [
    "ACTIONS",
    "SEQ_SPACE",
    "FaultPlan",
    "GoBackNReceiver",
    "RechunkingProxy",
    "RelayEvent",
    "UdpRelay",
    "ack_packet",
    "bytes_waiting",
    "data_packet",
    "fin_packet",
    "parse_packet",
    "rechunked_pair",
    "send_stop_and_wait",
    "http_get",
    "serve",
    "tcp_pair",
    "wait_for_bytes",
]

LOOPBACK = "127.0.0.1"
ACTIONS = ("pass", "drop", "duplicate", "hold")
DIRECTIONS = ("forward", "reverse")  # forward: client -> target; reverse: target -> client
SEQ_SPACE = 256  # sequence numbers of the ARQ packets are one byte


# --- fault plans ----------------------------------------------------------------------------------

Rule = Callable[[str, int, bytes], "str | None"]


@dataclass
class FaultPlan:
    """What happens to the n-th datagram of each direction.

    The first of these that gives an action decides: ``rule(direction, index, datagram)`` (return an
    action or ``None``), then ``script[(direction, index)]``, then the seeded-random draw with the
    probabilities ``drop``, ``duplicate`` and ``hold`` (the rest passes). Each direction has its own
    random stream seeded from ``seed`` and the direction's name, and every datagram consumes exactly
    one draw, so the n-th datagram's fate never depends on how the two directions interleave.
    Indexes count from 0 per direction.
    """

    seed: int | str | None = None
    drop: float = 0.0
    duplicate: float = 0.0
    hold: float = 0.0
    script: Mapping[tuple[str, int], str] = field(default_factory=dict)
    rule: Rule | None = None

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "hold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} probability must be in [0, 1], got {value}")
        if self.drop + self.duplicate + self.hold > 1.0:
            raise ValueError("drop + duplicate + hold must not exceed 1")
        for (direction, index), action in self.script.items():
            _check_direction(direction)
            _check_action(action)
            if index < 0:
                raise ValueError(f"datagram indexes count from 0, got {index}")
        self._streams = {d: random.Random(f"{self.seed}/{d}") for d in DIRECTIONS}

    @classmethod
    def clean(cls) -> FaultPlan:
        """Every datagram passes."""
        return cls()

    def decide(self, direction: str, index: int, datagram: bytes) -> str:
        """The action for datagram number ``index`` of ``direction`` (call once per datagram, in order)."""
        _check_direction(direction)
        draw = self._streams[direction].random()  # consumed whatever decides, to stay in step
        if self.rule is not None:
            action = self.rule(direction, index, datagram)
            if action is not None:
                return _check_action(action)
        if (direction, index) in self.script:
            return self.script[(direction, index)]
        if draw < self.drop:
            return "drop"
        if draw < self.drop + self.duplicate:
            return "duplicate"
        if draw < self.drop + self.duplicate + self.hold:
            return "hold"
        return "pass"


def _check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    return direction


def _check_action(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    return action


# --- the UDP relay --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelayEvent:
    """One thing the relay did, in the order it did it: ``kind`` is "in" (a datagram arrived and
    got ``action``) or "out" (a copy was sent on); ``at`` is ``time.monotonic()``."""

    kind: str
    direction: str
    index: int
    action: str
    datagram: bytes
    at: float


class UdpRelay:
    """A UDP middlebox on 127.0.0.1 between one client and ``target``, with faults and delay.

    Send to :attr:`address`: the first peer other than ``target`` becomes the client; its datagrams
    go to ``target`` ("forward"), and ``target``'s datagrams come back to it ("reverse"). Every
    datagram is delayed by ``delay`` seconds (pipelined: a link with latency, not a slow link), then
    passed, dropped, duplicated (two copies), or held back until the next datagram of its direction
    has been sent, which reorders the two (a held datagram with no successor leaves after
    ``hold_timeout``). ``counts[direction]`` counts "received", "forwarded" (copies sent), "dropped",
    "duplicated" and "held"; ``events`` is the log.
    """

    def __init__(
        self,
        target: tuple[str, int],
        plan: FaultPlan | None = None,
        *,
        delay: float = 0.0,
        hold_timeout: float = 0.02,
    ) -> None:
        if delay < 0 or hold_timeout < 0:
            raise ValueError("delay and hold_timeout must be >= 0")
        self.target = (target[0], int(target[1]))
        self.plan = plan if plan is not None else FaultPlan.clean()
        self.delay = float(delay)
        self.hold_timeout = float(hold_timeout)
        self.client: tuple[str, int] | None = None
        self.counts: dict[str, Counter[str]] = {d: Counter() for d in DIRECTIONS}
        self.events: list[RelayEvent] = []
        self._sock: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._queue: list[tuple[float, int, str, int, str, bytes]] = []  # due, order, dir, index, action, data
        self._held: dict[str, list[tuple[float, int, bytes]]] = {d: [] for d in DIRECTIONS}
        self._order = itertools.count()
        self._index = dict.fromkeys(DIRECTIONS, 0)

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the relay is not running: use it in a with block")
        host, port = self._sock.getsockname()[:2]
        return host, port

    def start(self) -> UdpRelay:
        if self._thread is not None:
            raise RuntimeError("relay already started")
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="udp-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(5.0)
        for sock in (self._sock, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def __enter__(self) -> UdpRelay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # the relay thread
    def _run(self) -> None:
        assert self._sock is not None and self._wake_r is not None
        while not self._stop.is_set():
            now = time.monotonic()
            self._release_expired_holds(now)
            while self._queue and self._queue[0][0] <= now:
                _, _, direction, index, action, datagram = heapq.heappop(self._queue)
                self._send(direction, index, action, datagram)
            wait = 0.05
            if self._queue:
                wait = min(wait, max(0.0, self._queue[0][0] - now))
            holds = [due for held in self._held.values() for due, _, _ in held]
            if holds:
                wait = min(wait, max(0.0, min(holds) - now))
            readable, _, _ = select.select([self._sock, self._wake_r], [], [], wait)
            if self._sock in readable:
                for _ in range(64):  # drain what is there, bounded
                    try:
                        datagram, source = self._sock.recvfrom(65535, socket.MSG_DONTWAIT)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:  # e.g. ECONNREFUSED reported for an earlier send: ignore
                        continue
                    self._arrived(datagram, (source[0], source[1]), time.monotonic())

    def _arrived(self, datagram: bytes, source: tuple[str, int], now: float) -> None:
        if source == self.target:
            direction = "reverse"
            if self.client is None:
                return  # nobody to send it to yet
        else:
            if self.client is None:
                self.client = source
            elif source != self.client:
                return  # one client per relay
            direction = "forward"
        index = self._index[direction]
        self._index[direction] += 1
        action = self.plan.decide(direction, index, datagram)
        counts = self.counts[direction]
        counts["received"] += 1
        self.events.append(RelayEvent("in", direction, index, action, datagram, now))
        if action == "drop":
            counts["dropped"] += 1
            return
        if action == "hold":
            counts["held"] += 1
            self._held[direction].append((now + self.delay + self.hold_timeout, index, datagram))
            return
        if action == "duplicate":
            counts["duplicated"] += 1
        due = now + self.delay
        heapq.heappush(self._queue, (due, next(self._order), direction, index, action, datagram))
        # held datagrams of this direction leave right after this one: reordered
        for _, held_index, held in self._held[direction]:
            heapq.heappush(self._queue, (due, next(self._order), direction, held_index, "hold", held))
        self._held[direction].clear()

    def _release_expired_holds(self, now: float) -> None:
        for direction, held in self._held.items():
            keep = []
            for due, index, datagram in held:
                if due <= now:
                    self._send(direction, index, "hold", datagram)
                else:
                    keep.append((due, index, datagram))
            self._held[direction] = keep

    def _send(self, direction: str, index: int, action: str, datagram: bytes) -> None:
        assert self._sock is not None
        destination = self.target if direction == "forward" else self.client
        if destination is None:
            return
        for _ in range(2 if action == "duplicate" else 1):
            try:
                self._sock.sendto(datagram, destination)
            except OSError:
                continue
            self.counts[direction]["forwarded"] += 1
            self.events.append(RelayEvent("out", direction, index, action, datagram, time.monotonic()))


# --- the re-chunking TCP proxy --------------------------------------------------------------------


def bytes_waiting(sock: socket.socket) -> int:
    """Bytes in ``sock``'s receive queue, not yet read (the FIONREAD / SIOCINQ ioctl)."""
    buffer = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.FIONREAD, buffer, True)
    return buffer[0]


def wait_for_bytes(sock: socket.socket, count: int, timeout: float = 2.0) -> bool:
    """Wait (bounded) until at least ``count`` bytes sit in ``sock``'s receive queue."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if bytes_waiting(sock) >= count:
            return True
        time.sleep(0.0005)
    return bytes_waiting(sock) >= count


class RechunkingProxy:
    """A TCP proxy on 127.0.0.1 that forwards each connection to ``target``, re-cutting the client's
    byte stream into chunks (the reply direction is forwarded as read).

    Chunk sizes come from ``chunks`` (a list, used in a cycle) or, without it, from a
    ``random.Random(seed)`` in ``1..max_chunk``; every connection starts the sequence afresh. Each
    chunk is one ``sendall`` with TCP_NODELAY, followed by ``delay`` seconds, and, when ``drained``
    is given, by a wait until ``drained()`` is true (at most ``lockstep_timeout`` s; after a timeout
    the connection stops waiting). End of stream is passed on as a FIN (``shutdown(SHUT_WR)``).
    Counters: ``connections``, ``bytes_forwarded``, ``chunk_sizes`` (every chunk written, in order).
    """

    def __init__(
        self,
        target: tuple[str, int],
        *,
        chunks: Sequence[int] | None = None,
        seed: int | str | None = 0,
        max_chunk: int = 16,
        delay: float = 0.0,
        drained: Callable[[], bool] | None = None,
        lockstep_timeout: float = 0.5,
    ) -> None:
        if chunks is not None and (not chunks or any(int(size) < 1 for size in chunks)):
            raise ValueError("chunk sizes must be a non-empty list of integers >= 1")
        if max_chunk < 1 or delay < 0:
            raise ValueError("max_chunk must be >= 1 and delay >= 0")
        self.target = (target[0], int(target[1]))
        self.chunks = None if chunks is None else [int(size) for size in chunks]
        self.seed, self.max_chunk, self.delay = seed, int(max_chunk), float(delay)
        self.drained, self.lockstep_timeout = drained, float(lockstep_timeout)
        self.connections = 0
        self.bytes_forwarded = 0
        self.chunk_sizes: list[int] = []
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        if self._listener is None:
            raise RuntimeError("the proxy is not running: use it in a with block")
        host, port = self._listener.getsockname()[:2]
        return host, port

    def start(self) -> RechunkingProxy:
        if self._listener is not None:
            raise RuntimeError("proxy already started")
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self._spawn(self._accept_loop, "proxy-accept")
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(5.0)
        for sock in [*sockets, self._listener]:
            if sock is not None:
                sock.close()

    def __enter__(self) -> RechunkingProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _sizes(self) -> Iterator[int]:
        if self.chunks is not None:
            return itertools.cycle(self.chunks)
        rng = random.Random(self.seed)
        return (rng.randint(1, self.max_chunk) for _ in itertools.count())

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5.0)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.settimeout(0.05)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            self._spawn(self._pump, "proxy-forward", client, upstream, True)
            self._spawn(self._pump, "proxy-reverse", upstream, client, False)

    def _pump(self, source: socket.socket, sink: socket.socket, rechunk: bool) -> None:
        # Chunks cut the *stream*, not each read: a tail shorter than the next chunk waits for more
        # bytes, and leaves on its own only at end of stream or after a quiet recv timeout (50 ms).
        sizes = self._sizes()
        need = next(sizes) if rechunk else 0
        pending = b""
        lockstep = rechunk and self.drained is not None
        while not self._stop.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                if pending:
                    lockstep = self._forward(sink, pending, rechunk, lockstep)
                    pending, need = b"", next(sizes)
                continue
            except OSError:
                break
            if not data:
                if pending:
                    self._forward(sink, pending, rechunk, lockstep)
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                break
            if not rechunk:
                self._forward(sink, data, rechunk, lockstep)
                continue
            pending += data
            while len(pending) >= need and not self._stop.is_set():
                piece, pending = pending[:need], pending[need:]
                lockstep = self._forward(sink, piece, rechunk, lockstep)
                need = next(sizes)

    def _forward(self, sink: socket.socket, piece: bytes, rechunk: bool, lockstep: bool) -> bool:
        """Send one chunk; return whether to keep waiting for the reader (lockstep)."""
        if not self._send_all(sink, piece):
            return False
        with self._lock:
            self.bytes_forwarded += len(piece)
            if rechunk:
                self.chunk_sizes.append(len(piece))
        if rechunk and self.delay:
            time.sleep(self.delay)
        if lockstep:
            return self._wait_drained()
        return False

    def _send_all(self, sink: socket.socket, piece: bytes) -> bool:
        view = memoryview(piece)
        while view and not self._stop.is_set():
            try:
                sent = sink.send(view)
            except TimeoutError:
                continue
            except OSError:
                return False
            view = view[sent:]
        return not view

    def _wait_drained(self) -> bool:
        assert self.drained is not None
        end = time.monotonic() + self.lockstep_timeout
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                if self.drained():
                    return True
            except OSError:
                return False
            time.sleep(0.0002)
        return False


@contextlib.contextmanager
def rechunked_pair(
    *,
    chunks: Sequence[int] | None = None,
    seed: int | str | None = 0,
    max_chunk: int = 16,
    delay: float = 0.0,
    lockstep: bool = False,
    timeout: float = 2.0,
) -> Iterator[tuple[socket.socket, socket.socket, RechunkingProxy]]:
    """``(writer, reader, proxy)``: two connected TCP sockets with a :class:`RechunkingProxy` between.

    Bytes written to ``writer`` reach ``reader`` re-cut as the proxy's parameters say; with
    ``lockstep=True`` the proxy sends the next chunk only once ``reader``'s receive queue is empty,
    so every ``reader.recv`` returns exactly one chunk (as long as the reader keeps reading). Both
    sockets have ``timeout`` set. Everything is closed on exit.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reader_box: list[socket.socket] = []
    try:
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        listener.settimeout(timeout)

        def drained() -> bool:
            return bool(reader_box) and bytes_waiting(reader_box[0]) == 0

        proxy = RechunkingProxy(
            listener.getsockname()[:2], chunks=chunks, seed=seed, max_chunk=max_chunk, delay=delay,
            drained=drained if lockstep else None,
        )
        with proxy:
            writer = socket.create_connection(proxy.address, timeout=timeout)
            try:
                reader, _ = listener.accept()
                reader.settimeout(timeout)
                reader_box.append(reader)
                try:
                    yield writer, reader, proxy
                finally:
                    reader.close()
            finally:
                writer.close()
    finally:
        listener.close()


@contextlib.contextmanager
def tcp_pair(timeout: float = 2.0) -> Iterator[tuple[socket.socket, socket.socket]]:
    """Two TCP sockets connected over 127.0.0.1 (no proxy), each with ``timeout``; closed on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        listener.settimeout(timeout)
        client = socket.create_connection(listener.getsockname()[:2], timeout=timeout)
        try:
            server, _ = listener.accept()
            server.settimeout(timeout)
            try:
                yield client, server
            finally:
                server.close()
        finally:
            client.close()
    finally:
        listener.close()


# --- a tiny ARQ protocol: packets, a Go-Back-N receiver, a stop-and-wait sender --------------------


def data_packet(seq: int, payload: bytes) -> bytes:
    """``b"D"`` + one sequence byte + the payload."""
    return b"D" + bytes([_seq(seq)]) + bytes(payload)


def fin_packet(seq: int) -> bytes:
    """``b"F"`` + one sequence byte: the end of the data; it takes a sequence number, as in TCP."""
    return b"F" + bytes([_seq(seq)])


def ack_packet(next_seq: int) -> bytes:
    """``b"A"`` + the sequence number the receiver expects next: everything before it arrived."""
    return b"A" + bytes([_seq(next_seq)])


def parse_packet(datagram: bytes) -> tuple[str, int, bytes]:
    """``(kind, seq, payload)`` with kind "D", "F" or "A"; ValueError for anything else."""
    if len(datagram) < 2 or datagram[:1] not in (b"D", b"F", b"A"):
        raise ValueError(f"not a packet of this protocol: {datagram[:8]!r}")
    kind = datagram[:1].decode()
    if kind != "D" and len(datagram) != 2:
        raise ValueError(f"{kind} packets are two bytes long, got {len(datagram)}")
    return kind, datagram[1], bytes(datagram[2:])


def _seq(value: int) -> int:
    if type(value) is not int or not 0 <= value < SEQ_SPACE:
        raise ValueError(f"sequence numbers are integers in 0..{SEQ_SPACE - 1}, got {value!r}")
    return value


class GoBackNReceiver:
    """The receiving end of the ARQ protocol, on 127.0.0.1, in a thread (a context manager).

    It accepts only the DATA packet it expects next (sequence numbers modulo :data:`SEQ_SPACE`),
    delivers its payload once, and answers *every* packet with a cumulative ``ack_packet(expected)``
    — for a duplicate or an out-of-order packet, the same ACK again. A FIN in order ends the data
    (``finished`` is set before its ACK leaves); the receiver keeps answering retransmitted FINs
    until the with block ends, as TCP's TIME_WAIT does. ``data`` is what was delivered, in order.
    """

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.finished = threading.Event()
        self.counts: Counter[str] = Counter()
        self.expected = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the receiver is not running: use it in a with block")
        host, port = self._sock.getsockname()[:2]
        return host, port

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def __enter__(self) -> GoBackNReceiver:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.settimeout(0.02)
        self._thread = threading.Thread(target=self._run, name="gbn-receiver", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        if self._sock is not None:
            self._sock.close()

    def _run(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                datagram, source = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                continue
            self.counts["received"] += 1
            try:
                kind, seq, payload = parse_packet(datagram)
            except ValueError:
                self.counts["malformed"] += 1
                continue
            if kind == "A":
                self.counts["malformed"] += 1
                continue
            if seq == self.expected and not self.finished.is_set():
                if kind == "D":
                    self.chunks.append(payload)
                    self.counts["delivered"] += 1
                else:
                    self.finished.set()
                self.expected = (self.expected + 1) % SEQ_SPACE
            else:
                self.counts["discarded"] += 1
            with contextlib.suppress(OSError):
                self._sock.sendto(ack_packet(self.expected), source)
                self.counts["acks"] += 1


def send_stop_and_wait(
    sock: socket.socket,
    peer: tuple[str, int],
    data: bytes,
    *,
    chunk_size: int = 64,
    rto: float = 0.03,
    deadline: float = 10.0,
) -> int:
    """Send ``data`` reliably, one packet at a time: send, wait for its ACK, resend after ``rto``.

    Then the FIN, the same way. Returns the number of datagrams sent (retransmissions included);
    TimeoutError if not done within ``deadline`` seconds. ``sock``'s timeout is restored on return.
    """
    if chunk_size < 1 or rto <= 0:
        raise ValueError("chunk_size must be >= 1 and rto > 0")
    saved_timeout = sock.gettimeout()
    end = time.monotonic() + deadline
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    packets = [data_packet(i % SEQ_SPACE, chunk) for i, chunk in enumerate(chunks)]
    packets.append(fin_packet(len(chunks) % SEQ_SPACE))
    sent = 0
    try:
        for number, packet in enumerate(packets):
            wanted = (number + 1) % SEQ_SPACE
            acked = False
            while not acked:
                if time.monotonic() >= end:
                    raise TimeoutError(f"packet {number} of {len(packets)} not acknowledged in {deadline} s")
                sock.sendto(packet, peer)
                sent += 1
                timer = time.monotonic() + rto
                while (left := timer - time.monotonic()) > 0:
                    sock.settimeout(left)
                    try:
                        reply = sock.recv(65535)
                    except TimeoutError:
                        break
                    if reply == ack_packet(wanted):
                        acked = True
                        break
    finally:
        sock.settimeout(saved_timeout)
    return sent


# --- HTTP on loopback --------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr, and the raw request target as ``REQUEST_URI`` (as Apache/uWSGI do)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["REQUEST_URI"] = self.path
        return environ


@contextlib.contextmanager
def serve(app: WSGIApp) -> Iterator[int]:
    """Serve ``app`` over HTTP on 127.0.0.1 (a free port) in a thread; yield the port; stop on exit."""
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def http_get(port: int, target: str, timeout: float = 5.0) -> tuple[int, Any]:
    """``GET target`` from 127.0.0.1:port over a fresh connection; ``(status, decoded JSON body)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()
