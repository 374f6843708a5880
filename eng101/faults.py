"""Deterministic fault injection and real process crashes for the notebooks and their tests.

Two tools, both reproducible:

- :class:`FaultPlan` decides, by step name, where a failure is injected: at named steps
  (``FaultPlan.at("payment.charge")``), at the k-th step (``FaultPlan.nth(3)``), or at
  random with a seed (``FaultPlan.random(seed=7, probability=0.2)``). Code under test
  calls ``plan.check(step)`` at each step; the plan records every step it saw, so a test
  can first run without faults, list the steps, then fail at each one in turn
  (:func:`every_single_fault`).
- :func:`run_child` runs Python source in a fresh interpreter (``python -c``) and either
  lets it end (the child may crash itself with ``os._exit``) or kills it with SIGKILL the
  moment it prints a chosen line, so a notebook can reopen the files it was writing.
  A fresh interpreter rather than ``fork``: forking a Jupyter kernel copies its threads'
  locks in whatever state they are (Python 3.12 warns about it), and a ``spawn``-ed
  ``multiprocessing`` child cannot run a function defined in a notebook.

A third, for races on SQLite: :class:`InterfereBeforeWrite` runs a competing transaction at an
exact point of the code under test (after it read, just before it writes), through the trace
callback of the connections it watches, so a check-then-act race happens on every run.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


class InjectedFault(Exception):  # noqa: N818 - the name says what it is
    """A failure a :class:`FaultPlan` injected at a step (an ordinary, catchable error)."""

    def __init__(self, step: str) -> None:
        super().__init__(f"injected fault at {step}")
        self.step = step


class Crash(BaseException):  # noqa: N818
    """A simulated crash of the whole process: not an ``Exception``, so ``except Exception``
    handlers do not swallow it, just as they would not survive a real ``kill -9``."""

    def __init__(self, step: str) -> None:
        super().__init__(f"simulated crash at {step}")
        self.step = step


@dataclass
class FaultPlan:
    """Where to fail. ``steps`` names steps that fail; ``nth_step`` fails the n-th check
    (1-based) whatever its name; ``probability`` fails each step at random from ``seed``.

    ``error`` is the exception raised by :meth:`check`: :class:`InjectedFault` (a failed
    call) or :class:`Crash` (the process dies there). Each named step fails at most
    ``times`` times (default once), so a retried step succeeds.
    """

    steps: frozenset[str] = frozenset()
    nth_step: int | None = None
    probability: float = 0.0
    seed: int = 0
    error: type[BaseException] = InjectedFault
    times: int = 1
    seen: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.nth_step is not None and self.nth_step < 1:
            raise ValueError("nth_step counts from 1")
        self.steps = frozenset(self.steps)
        self._rng = random.Random(self.seed)

    @classmethod
    def none(cls) -> FaultPlan:
        """A plan that never fails but still records the steps it sees."""
        return cls()

    @classmethod
    def at(cls, *steps: str, error: type[BaseException] = InjectedFault, times: int = 1) -> FaultPlan:
        return cls(steps=frozenset(steps), error=error, times=times)

    @classmethod
    def nth(cls, n: int, error: type[BaseException] = InjectedFault) -> FaultPlan:
        return cls(nth_step=n, error=error)

    @classmethod
    def random(cls, seed: int, probability: float,
               error: type[BaseException] = InjectedFault) -> FaultPlan:
        return cls(probability=probability, seed=seed, error=error)

    def should_fail(self, step: str) -> bool:
        """Record ``step`` and say whether it fails (deterministic for a given plan)."""
        self.seen.append(step)
        draw = self._rng.random()  # drawn at every step, so the sequence depends only on the seed
        if self.nth_step is not None:
            fail = len(self.seen) == self.nth_step
        elif step in self.steps:
            fail = self.failed.count(step) < self.times
        else:
            fail = draw < self.probability
        if fail:
            self.failed.append(step)
        return fail

    def check(self, step: str) -> None:
        """Raise ``self.error(step)`` if this step fails."""
        if self.should_fail(step):
            raise self.error(step)


def every_single_fault(steps: Iterable[str], error: type[BaseException] = InjectedFault) -> Iterator[FaultPlan]:
    """One plan per step, each failing exactly that step (deduplicated, in order)."""
    for step in dict.fromkeys(steps):
        yield FaultPlan.at(step, error=error)


@dataclass(frozen=True)
class ChildResult:
    """What a child process did: its exit code (negative: killed by that signal), the lines
    it printed on stdout, whether we killed it, and its stderr (for diagnosis)."""

    returncode: int
    lines: tuple[str, ...]
    killed: bool
    stderr: str

    @property
    def signal_name(self) -> str | None:
        return signal.Signals(-self.returncode).name if self.returncode < 0 else None


def run_child(code: str, *args: str, kill_on: str | None = None, timeout: float = 20.0) -> ChildResult:
    """Run ``python -c code args...`` and return what it printed and how it ended.

    With ``kill_on``, the child is killed with SIGKILL as soon as it prints a line equal to
    ``kill_on`` (print it with ``flush=True``, then block, e.g. ``time.sleep(60)``): a crash
    at a point of your choosing. The child runs in its own session and the whole process
    group is killed, so nothing it started survives. ``timeout`` is only a deadlock guard:
    a child still running then is killed and :class:`TimeoutError` is raised.
    """
    child = subprocess.Popen(  # noqa: S603 - our own interpreter, code from the caller
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    errors: list[str] = []

    def pump_stderr() -> None:
        assert child.stderr is not None
        errors.append(child.stderr.read())

    readers = [threading.Thread(target=pump, daemon=True), threading.Thread(target=pump_stderr, daemon=True)]
    for reader in readers:
        reader.start()
    seen: list[str] = []
    killed = False
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                _kill_group(child)
                raise TimeoutError(f"child still running after {timeout} s") from None
            if line is None:
                break
            seen.append(line)
            if kill_on is not None and line == kill_on:
                _kill_group(child)
                killed = True
                break
        returncode = child.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if child.poll() is None:
            _kill_group(child)
        for reader in readers:
            reader.join(timeout=5)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    return ChildResult(returncode, tuple(seen), killed, "".join(errors))


def _kill_group(child: subprocess.Popen[str]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:  # already gone
        pass
    child.wait(timeout=10)


_READS = ("SELECT", "WITH")
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class InterfereBeforeWrite:
    """Run ``interfere()`` once, at the last moment before the code under test writes.

    :meth:`watch` installs an SQLite trace callback on a connection (any number of them). The
    interference runs, in the same thread and before the statement executes, at the first
    statement of a watched connection that either writes (``INSERT``, ``UPDATE``, ``DELETE``,
    ``REPLACE``) or begins a transaction (``BEGIN ...``) after a read (``SELECT`` or ``WITH``,
    mentioning ``table`` if given). So code that checks outside its write transaction and only
    then acts (check-then-act) always has another connection commit in between, on every run;
    code that took the write lock before reading (``BEGIN IMMEDIATE``) makes the interference
    fail to get the lock (give its connection a busy timeout of 0). The read and the write may
    be on different watched connections.

    With ``armed=True`` the interference runs at the first ``BEGIN`` or write whether or not a read
    was seen: a check made on a connection that is not watched is overtaken as well.

    ``interfere`` returns a short description of what it did (say ``"committed"`` or
    ``"blocked"``), kept in :attr:`outcome`; ``None`` there means it never ran. An exception it
    raises is caught and kept as its ``repr`` in :attr:`outcome`: a trace callback must not raise.
    """

    def __init__(self, interfere: Callable[[], str], table: str | None = None, armed: bool = False) -> None:
        self.interfere = interfere
        self.table = table.upper() if table else None
        self.outcome: str | None = None
        # armed: interfere at the first BEGIN too, read seen or not (the code under test may have
        # read on a connection nobody watches, e.g. one it opened itself)
        self._read_seen = armed

    def watch(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """Start watching ``conn``; returns it."""
        conn.set_trace_callback(self._trace)
        return conn

    def _trace(self, sql: str) -> None:
        if self.outcome is not None:
            return
        text = sql.lstrip().upper()
        if text.startswith(_WRITES) or (self._read_seen and text.startswith("BEGIN")):
            try:
                self.outcome = str(self.interfere())
            except BaseException as error:  # noqa: BLE001 - reported through outcome, never raised here
                self.outcome = f"interference failed: {error!r}"
        elif text.startswith(_READS) and (self.table is None or self.table in text):
            self._read_seen = True
