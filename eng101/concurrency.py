"""Real concurrent components for the concurrency notebooks (03_concurrency, 20_mutex_semaphore).

- :class:`LatencyServer` is a real TCP server on loopback that answers one line per
  connection after a configurable delay, in a background thread, and stops cleanly. It
  counts the requests in flight, so a test can check a client's concurrency limit from
  the server's side.
- :func:`fetch_blocking` and :func:`fetch_async` are its clients (plain socket, asyncio).
- :func:`count_primes`, :func:`apply_to_chunk`, :func:`square_with_pid`,
  :func:`fail_on`, :func:`chunk_probe` are module-level, hence picklable by every multiprocessing start
  method (a function defined in a notebook is pickled by name as ``__main__.f`` and only
  a *forked* child can find it).
- :func:`tiny_switch_interval`, :func:`run_threads`, :func:`call_with_deadline` and
  :func:`run_async` are for test cells: many threads switching as often as possible,
  deadlocks turned into assertion failures (never a hung kernel), and coroutines run on
  a private event loop whatever loop the Jupyter kernel is running.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "Deadlock",
    "LatencyServer",
    "PeakCounter",
    "RemoteError",
    "apply_to_chunk",
    "call_with_deadline",
    "chunk_probe",
    "hook_condition_waits",
    "count_primes",
    "fail_on",
    "fetch_async",
    "fetch_blocking",
    "gauge_peak",
    "preempt_every_line",
    "run_async",
    "run_threads",
    "square_with_pid",
    "stop_process_helpers",
    "tiny_switch_interval",
]


class RemoteError(RuntimeError):
    """The server answered ``ERR ...`` for a request."""


class Deadlock(AssertionError):
    """Threads did not finish before a (generous) deadline: most likely a deadlock.

    An ``AssertionError`` so that a test cell reports it as a failed check.
    """


# --- counting what runs at the same time ----------------------------------------------


class PeakCounter:
    """How many are inside now, and the most there ever were at once (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.peak = 0
        self.total = 0

    def enter(self) -> None:
        with self._lock:
            self.current += 1
            self.total += 1
            self.peak = max(self.peak, self.current)

    def leave(self) -> None:
        with self._lock:
            self.current -= 1

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()


# --- a real server with latency -------------------------------------------------------


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        line = self.rfile.readline(1024).decode("utf-8", "replace").strip()
        with owner.in_flight.inside():
            delay = owner.delays.get(line, owner.latency)
            if owner._stopping.wait(delay):  # stop() cuts slow answers short
                return
            if line in owner.failing:
                answer = f"ERR {line} failed"
            else:
                answer = f"OK {owner.respond(line)}"
        with contextlib.suppress(OSError):  # the client may have given up (timeout)
            self.wfile.write(answer.encode("utf-8") + b"\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: LatencyServer

    def process_request(self, request: Any, client_address: Any) -> None:
        # ThreadingMixIn's, except that the handler thread is recorded: stop() joins them all
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        with self.owner._handlers_lock:
            self.owner._handlers.append(thread)
        thread.start()


class LatencyServer:
    """A TCP server on 127.0.0.1 that answers each request after ``latency`` seconds.

    Protocol: the client sends one line (a resource name); the server waits, then answers
    ``OK <respond(name)>`` or, for names in ``failing``, ``ERR <name> failed``, and closes.
    ``delays`` overrides the latency per name. Each connection is served by its own
    thread, like most blocking servers. Use it as a context manager::

        with LatencyServer(latency=0.05) as server:
            fetch_blocking(server.address, "model.bin")
    """

    def __init__(
        self,
        latency: float = 0.05,
        *,
        delays: Mapping[str, float] | None = None,
        failing: Iterable[str] = (),
        respond: Callable[[str], str] | None = None,
    ) -> None:
        if latency < 0:
            raise ValueError("latency cannot be negative")
        self.latency = latency
        self.delays = dict(delays or {})
        self.failing = frozenset(failing)
        self.respond = respond or (lambda name: name.upper())
        self.in_flight = PeakCounter()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: list[threading.Thread] = []
        self._handlers_lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("the server is not running; use it in a with block")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def requests(self) -> int:
        """Requests received so far."""
        return self.in_flight.total

    @property
    def max_in_flight(self) -> int:
        """The most requests the server was answering at the same moment."""
        return self.in_flight.peak

    def start(self) -> LatencyServer:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="latency-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._handlers_lock:
            handlers, self._handlers = self._handlers, []
        end = time.monotonic() + 5  # a stopped server leaves no thread behind (a process may fork next)
        for handler in handlers:
            handler.join(max(0.0, end - time.monotonic()))
        self._server = None
        self._thread = None

    def __enter__(self) -> LatencyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parse_answer(raw: bytes, name: str) -> str:
    text = raw.decode("utf-8", "replace").rstrip("\n")
    if text.startswith("OK "):
        return text[3:]
    if text.startswith("ERR "):
        raise RemoteError(text[4:])
    raise ConnectionError(f"no answer for {name!r}")


def fetch_blocking(address: tuple[str, int], name: str, timeout: float = 10.0) -> str:
    """Ask a :class:`LatencyServer` for ``name`` with a blocking socket; return the payload."""
    with socket.create_connection(address, timeout=timeout) as connection:
        connection.sendall(name.encode("utf-8") + b"\n")
        with connection.makefile("rb") as reader:
            return _parse_answer(reader.readline(), name)


async def fetch_async(address: tuple[str, int], name: str) -> str:
    """Ask a :class:`LatencyServer` for ``name`` with asyncio streams; return the payload.

    No timeout of its own: wrap it in ``asyncio.wait_for`` (or ``asyncio.timeout``).
    """
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(name.encode("utf-8") + b"\n")
        await writer.drain()
        return _parse_answer(await reader.readline(), name)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


# --- picklable work for processes -----------------------------------------------------


def count_primes(limit: int) -> int:
    """How many primes are below ``limit``, by trial division: pure-Python CPU work."""
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count


def apply_to_chunk(func: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    """``[func(x) for x in chunk]``: one task that processes a whole chunk in a worker."""
    return [func(item) for item in chunk]


def square_with_pid(x: int) -> tuple[int, int]:
    """``(x * x, pid of the process that computed it)``."""
    return x * x, os.getpid()


_APPLY_TO_CHUNK_CODE = apply_to_chunk.__code__  # kept, so rebinding the name fools no probe


def chunk_probe(
    x: Any, gauge: str | None = None, hold: float = 0.0, company: int = 0
) -> tuple[Any, int, Any, int]:
    """``(x, pid, first item of the chunk, chunk length)``: which task computed ``x``, and where.

    The chunk is read from the caller :func:`apply_to_chunk` (its frame on the stack);
    called any other way the last two are ``(None, 0)``. So a test sees how the work was
    cut into tasks. ``gauge`` names a directory for a cross-process gauge of the tasks
    running at once (any start method): the first item of each chunk counts itself in,
    waits ``hold`` seconds, and counts itself out; :func:`gauge_peak` reads the peak. With
    ``company`` it stops waiting as soon as that many tasks are in at once: a pool with more
    processes than allowed then shows it with a margin of ``hold`` (the extra process only has
    to start within it), while a correct pool makes each task wait ``hold`` in vain.
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not _APPLY_TO_CHUNK_CODE:
        frame = frame.f_back
    chunk = list(frame.f_locals["chunk"]) if frame is not None else []
    first = chunk[0] if chunk else None
    if gauge is not None and chunk and x is first:
        _gauge_add(gauge, +1)
        try:
            deadline = time.monotonic() + hold
            while company and _gauge_read(gauge)[0] < company and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(0 if company else hold)
        finally:
            _gauge_add(gauge, -1)
    return x, os.getpid(), first, len(chunk)


def _gauge_add(directory: str, delta: int) -> None:
    path = os.path.join(directory, "gauge")
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        handle.seek(0)
        current, peak = (int(n) for n in (handle.read().split() or ["0", "0"]))
        current += delta
        handle.seek(0)
        handle.truncate()
        handle.write(f"{current} {max(peak, current)}")


def _gauge_read(directory: str) -> tuple[int, int]:
    """(tasks in now, peak) of a gauge; (0, 0) before the first task."""
    try:
        with open(os.path.join(directory, "gauge")) as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            current, peak = (int(n) for n in (handle.read().split() or ["0", "0"]))
            return current, peak
    except FileNotFoundError:
        return 0, 0


def gauge_peak(directory: str) -> int:
    """The most :func:`chunk_probe` tasks that ran at once with this ``gauge`` directory."""
    return _gauge_read(directory)[1]


def fail_on(x: int, bad: int = 13) -> int:
    """``x + 1``, except that ``bad`` raises ``ValueError`` (use ``functools.partial``)."""
    if x == bad:
        raise ValueError(f"cannot process {x}")
    return x + 1


def stop_process_helpers() -> None:
    """Stop the helper processes that the spawn and forkserver start methods leave running.

    Creating a *spawn* or *forkserver* pool starts multiprocessing's resource tracker (and,
    for forkserver, the fork server) as child processes of this interpreter; they stay for
    its whole life. A notebook that is forked afterwards (the course's grader does) should
    have no child process alive, so a demo calls this once its pools are closed and joined.
    Drop your references to the pools first: semaphores still alive at that moment are
    reported by the tracker as leaked. Uses the private ``_stop`` of both (CPython's own
    tests use it); harmless if not running, and the next pool simply starts them again.
    """
    import gc
    from multiprocessing import forkserver, resource_tracker

    gc.collect()  # finalize dropped pools: their semaphores unregister from the tracker
    for helper in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()


# --- harness for test cells -----------------------------------------------------------


@contextlib.contextmanager
def tiny_switch_interval(seconds: float = 1e-6) -> Iterator[None]:
    """Make the interpreter switch threads as often as it can; restore the old interval."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def _code_files(target: Any) -> set[str]:
    """The source files of a function, or of every function defined in a class."""
    functions = [target]
    if isinstance(target, type):
        functions = []
        for klass in target.__mro__:
            if klass is object:
                continue
            for attribute in vars(klass).values():
                if isinstance(attribute, property):
                    functions.extend(f for f in (attribute.fget, attribute.fset) if f is not None)
                else:
                    functions.append(getattr(attribute, "__func__", attribute))
    return {f.__code__.co_filename for f in functions if hasattr(f, "__code__")}


@contextlib.contextmanager
def preempt_every_line(*targets: Any) -> Iterator[None]:
    """Offer a thread switch before every line of ``targets`` (functions or classes).

    While active, in threads started inside the block (and the current one), each line
    executed in the source file of a target first calls ``time.sleep(0)``, which releases
    the GIL so that another thread can run. Check-then-act races that need a switch in a
    window of one or two lines then happen in nearly every run instead of now and then.
    Only the files that define the targets are traced (a notebook cell is one file), so
    the test's own code runs at full speed. Restores the previous trace functions.
    """
    files = set().union(*(_code_files(target) for target in targets))
    yield_now = time.sleep

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            yield_now(0)
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename in files:
            return local
        return None

    old_sys, old_threading = sys.gettrace(), threading.gettrace()
    threading.settrace(global_trace)
    sys.settrace(global_trace)
    try:
        yield
    finally:
        sys.settrace(old_sys)
        threading.settrace(old_threading)  # type: ignore[arg-type]


def _line_containing(code: Any, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(code)
    found = [first + i for i, line in enumerate(lines) if line.strip().startswith(text)]
    if len(found) != 1:
        raise RuntimeError(f"threading.Condition.wait changed: {len(found)} lines start with {text!r}")
    return found[0]


@contextlib.contextmanager
def hook_condition_waits(
    on_wait: Callable[[float | None], None] | None = None,
    before_reacquire: Callable[[bool], None] | None = None,
) -> Iterator[None]:
    """Call hooks inside every ``threading.Condition.wait`` made by the current thread.

    ``on_wait(timeout)`` runs once the waiter is registered and the condition's lock is
    released (a ``notify`` from now on reaches this thread), with the timeout the caller
    passed. ``before_reacquire(notified)`` runs when the wait has ended — notified, or timed
    out — and *before* the lock is taken back: a hook that blocks there holds this thread in
    the exact window of a stolen wakeup, or of a timeout that meets a ``notify``. For tests
    that must force these interleavings on every run. Only this thread is traced; the
    previous trace function is restored.
    """
    wait_code = threading.Condition.wait.__code__
    registered = _line_containing(wait_code, "gotit = False")
    reacquire = _line_containing(wait_code, "self._acquire_restore(saved_state)")

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            if frame.f_lineno == registered and on_wait is not None:
                on_wait(frame.f_locals["timeout"])
            elif frame.f_lineno == reacquire and before_reacquire is not None:
                before_reacquire(bool(frame.f_locals["gotit"]))
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        return local if event == "call" and frame.f_code is wait_code else None

    old = sys.gettrace()
    sys.settrace(global_trace)
    try:
        yield
    finally:
        sys.settrace(old)


def run_threads(
    target: Callable[..., Any], count: int, *, args: tuple[Any, ...] = (), deadline: float = 20.0
) -> list[BaseException]:
    """Run ``target(index, *args)`` in ``count`` threads; return the exceptions they raised.

    All threads are started, then joined against one ``deadline`` (seconds, a deadlock
    guard, not a performance limit); raises :class:`Deadlock` if any is still running.
    Threads are daemons, so a deadlocked one cannot keep the interpreter alive.
    """
    errors: list[BaseException] = []
    errors_lock = threading.Lock()

    def body(index: int) -> None:
        try:
            target(index, *args)
        except BaseException as error:  # noqa: BLE001 - reported to the caller
            with errors_lock:
                errors.append(error)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        raise Deadlock(f"{stuck} of {count} threads still running after {deadline:g} s: deadlock?")
    return errors


def call_with_deadline(function: Callable[..., Any], *args: Any, deadline: float = 10.0, **kwargs: Any) -> Any:
    """Call ``function`` in a daemon thread; its result, its exception re-raised, or :class:`Deadlock`."""
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller
            outcome["error"] = error

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(deadline)
    if thread.is_alive():
        raise Deadlock(f"{getattr(function, '__name__', function)} still running after {deadline:g} s: deadlock?")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def run_async(coroutine: Coroutine[Any, Any, Any], deadline: float = 20.0) -> Any:
    """Run ``coroutine`` to completion on a fresh event loop in a separate thread.

    ``asyncio.run`` refuses to start inside a running loop, and a Jupyter kernel runs
    one; a private thread and loop avoid that. ``deadline`` cancels the coroutine (a
    guard against a hang, not a timing check) and raises :class:`Deadlock`.
    """

    async def guarded() -> Any:
        task = asyncio.ensure_future(coroutine)
        done, _ = await asyncio.wait({task}, timeout=deadline)
        if not done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait({task}, timeout=1.0)
            raise Deadlock(f"coroutine still running after {deadline:g} s: deadlock?")
        return task.result()

    return call_with_deadline(asyncio.run, guarded(), deadline=deadline + 5)
