"""eng101.concurrency: the loopback server, the picklable work, and the test-cell harness."""

from __future__ import annotations

import asyncio
import functools
import itertools
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from eng101.concurrency import (
    Deadlock,
    LatencyServer,
    PeakCounter,
    RemoteError,
    apply_to_chunk,
    call_with_deadline,
    chunk_probe,
    count_primes,
    fail_on,
    fetch_async,
    fetch_blocking,
    gauge_peak,
    hook_condition_waits,
    preempt_every_line,
    run_async,
    run_threads,
    square_with_pid,
    stop_process_helpers,
    tiny_switch_interval,
)


def test_server_answers_fails_and_counts_in_flight() -> None:
    with LatencyServer(latency=0.02, failing={"bad"}, delays={"slow": 0.05}) as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert fetch_blocking(server.address, "model.bin") == "MODEL.BIN"
        with pytest.raises(RemoteError):
            fetch_blocking(server.address, "bad")
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(functools.partial(fetch_blocking, server.address), ["a", "b", "c", "d", "e", "f"]))
        assert answers == ["A", "B", "C", "D", "E", "F"]
        assert 2 <= server.max_in_flight <= 6  # they overlapped (generous: a noisy machine)
        assert server.requests == 8
    assert not [t for t in threading.enumerate() if "process_request" in t.name]  # stop() joined the handlers
    with pytest.raises(RuntimeError):
        _ = server.address  # stopped


def test_server_stop_cuts_slow_answers_short() -> None:
    server = LatencyServer(latency=30).start()
    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            fetch_blocking(server.address, "x", timeout=20)
        except (ConnectionError, OSError) as error:
            outcome.append(error)

    client = threading.Thread(target=ask)
    client.start()
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    client.join(10)
    assert not client.is_alive() and len(outcome) == 1  # no answer: the client sees the close
    assert time.monotonic() - started < 10  # a deadlock guard, not a timing check
    server.stop()  # idempotent


def test_fetch_async_with_run_async() -> None:
    with LatencyServer(latency=0.01, failing={"gone"}) as server:
        async def main() -> list[object]:
            names = ["x", "gone", "y"]
            return await asyncio.gather(*(fetch_async(server.address, n) for n in names), return_exceptions=True)

        x, gone, y = run_async(main())
    assert (x, y) == ("X", "Y") and isinstance(gone, RemoteError)


def test_run_async_turns_a_hang_into_deadlock() -> None:
    with pytest.raises(Deadlock):
        run_async(asyncio.sleep(30), deadline=0.2)

    async def raises() -> None:
        raise TimeoutError("the coroutine's own timeout")

    with pytest.raises(TimeoutError, match="own timeout"):  # not mistaken for the deadline
        run_async(raises())


def test_work_functions_are_picklable_under_spawn() -> None:
    assert count_primes(100) == 25 and count_primes(2) == 0
    assert apply_to_chunk(str.upper, ["a", "b"]) == ["A", "B"]
    assert fail_on(1) == 2
    with pytest.raises(ValueError):
        fail_on(13)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(apply_to_chunk, count_primes, [10, 100]).result(timeout=60) == [4, 25]
        value, pid = pool.submit(square_with_pid, 7).result(timeout=60)
        assert value == 49 and pid != multiprocessing.current_process().pid
        with pytest.raises(ValueError):
            pool.submit(functools.partial(fail_on, bad=3), 3).result(timeout=60)


def test_tiny_switch_interval_restores() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(KeyError), tiny_switch_interval():
        assert sys.getswitchinterval() < before
        raise KeyError
    assert sys.getswitchinterval() == before


def test_run_threads_collects_errors_and_detects_deadlock() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def body(index: int) -> None:
        with lock:
            seen.append(index)
        if index == 2:
            raise ValueError("boom")

    errors = run_threads(body, 4)
    assert sorted(seen) == [0, 1, 2, 3] and [type(e) for e in errors] == [ValueError]
    never = threading.Event()
    with pytest.raises(Deadlock):
        run_threads(lambda _i: never.wait(), 2, deadline=0.2)
    never.set()


def test_call_with_deadline() -> None:
    assert call_with_deadline(lambda a, b=0: a + b, 1, b=2) == 3
    with pytest.raises(ZeroDivisionError):
        call_with_deadline(lambda: 1 / 0)
    with pytest.raises(Deadlock):
        call_with_deadline(time.sleep, 5, deadline=0.1)


def test_peak_counter() -> None:
    gauge = PeakCounter()
    with gauge.inside(), gauge.inside():
        assert gauge.current == 2
    assert (gauge.current, gauge.peak, gauge.total) == (0, 2, 2)


class _RacyCounter:
    """A read-modify-write with a line between read and write: a race only preemption exposes."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        current = self.value
        self.value = current + 1


def test_preempt_every_line_exposes_a_race_and_restores_tracing() -> None:
    counter = _RacyCounter()

    def body(_index: int) -> None:
        for _ in range(300):
            counter.bump()

    with tiny_switch_interval(), preempt_every_line(_RacyCounter):
        assert run_threads(body, 4) == []
    assert counter.value < 4 * 300  # lost updates: practically certain with a switch offered per line
    assert sys.gettrace() is None and threading.gettrace() is None


def test_chunk_probe_reports_the_task_and_gauges_concurrency(tmp_path: object) -> None:
    assert chunk_probe("x") == ("x", os.getpid(), None, 0)  # not called by apply_to_chunk
    assert apply_to_chunk(chunk_probe, [7, 8]) == [(7, os.getpid(), 7, 2), (8, os.getpid(), 7, 2)]
    gauge = str(tmp_path)
    assert gauge_peak(gauge) == 0
    probe = functools.partial(chunk_probe, gauge=gauge, hold=0.05)
    chunks = [list(range(start, start + 3)) for start in range(0, 12, 3)]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        got = list(itertools.chain.from_iterable(pool.map(apply_to_chunk, itertools.repeat(probe), chunks)))
    assert [x for x, *_ in got] == list(range(12))
    assert [(first, size) for _, _, first, size in got] == [(x - x % 3, 3) for x in range(12)]
    assert os.getpid() not in {pid for _, pid, _, _ in got}
    assert 1 <= gauge_peak(gauge) <= 2  # never more chunks at once than workers


def test_chunk_probe_with_company_shows_a_pool_too_large(tmp_path: object) -> None:
    chunks = [[start] for start in range(4)]
    for workers in (4, 2):  # asked for company 3: a 4-process pool reaches it, a 2-process one cannot
        gauge = str(tmp_path / f"w{workers}")
        os.mkdir(gauge)
        probe = functools.partial(chunk_probe, gauge=gauge, hold=2.0, company=3)
        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(apply_to_chunk, itertools.repeat(probe), chunks))
        assert gauge_peak(gauge) >= 3 if workers == 4 else gauge_peak(gauge) == 2
        if workers == 4:  # company came: nobody waited the whole hold
            assert time.monotonic() - started < 2.0 * 2


def test_stop_process_helpers_leaves_no_child() -> None:
    from multiprocessing import resource_tracker

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(count_primes, 10).result(timeout=60) == 4
    del pool
    stop_process_helpers()
    assert resource_tracker._resource_tracker._pid is None and not multiprocessing.active_children()
    stop_process_helpers()  # idempotent


def test_hook_condition_waits_holds_the_waiter_before_it_retakes_the_lock() -> None:
    condition = threading.Condition()
    seen: list[tuple[str, object]] = []
    held, go = threading.Event(), threading.Event()

    def before(notified: bool) -> None:
        seen.append(("ended", notified))
        if notified:
            held.set()
            go.wait(10)

    def waiter() -> None:
        with hook_condition_waits(lambda timeout: seen.append(("wait", timeout)), before), condition:
            assert condition.wait(0.01) is False  # times out
            assert condition.wait(10) is True  # notified
        assert sys.gettrace() is None

    thread = threading.Thread(target=waiter)
    thread.start()
    while ("wait", 10) not in seen:
        time.sleep(0.001)
    with condition:
        condition.notify()
    assert held.wait(10)
    assert condition.acquire(blocking=False)  # the woken waiter does not hold the lock yet
    condition.release()
    go.set()
    thread.join(10)
    assert seen == [("wait", 0.01), ("ended", False), ("wait", 10), ("ended", True)]
