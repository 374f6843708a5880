"""Components under test for 21_testing: a TTL + LRU cache, a fake clock, and money formatting.

The notebook's exercises ask the student to write *tests* for these components; the hidden
mutants that grade those tests live in the notebook's hidden test cells, not here.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class FakeClock:
    """A clock a test controls: ``clock()`` returns the current time, ``advance(s)`` moves it on."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self.now += seconds


class TTLCache:
    """A least-recently-used cache whose entries also expire ``ttl`` seconds after they were written.

    - ``get(key, default=None)`` returns the stored value (``None`` and ``0`` included) while the
      entry is live, else ``default``. A ``get`` makes the entry the most recently used; it does
      not extend its lifetime.
    - An entry written at time ``t`` is live while ``clock() < t + ttl`` and expired from
      ``t + ttl`` on (the boundary itself is expired).
    - ``put(key, value)`` stores the value, restarts the entry's lifetime and makes it the most
      recently used. Putting a *new* key into a full cache first drops expired entries; if the
      cache is still full it evicts the least recently used live entry. Updating a key that is
      present evicts nothing.
    - ``len(cache)`` counts live entries and never exceeds ``capacity``.
    - ``capacity`` must be an int >= 1 and ``ttl`` > 0, else ``ValueError``. Time comes only from
      ``clock`` (``time.monotonic`` by default).
    """

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity!r}")
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl!r}")
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()  # key -> (expires_at, value); LRU first

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return default
        expires_at, value = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return default
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        now = self._clock()
        if key in self._entries:
            del self._entries[key]
        else:
            for stale in [k for k, (expires_at, _) in self._entries.items() if now >= expires_at]:
                del self._entries[stale]
            if len(self._entries) >= self._capacity:
                self._entries.popitem(last=False)
        self._entries[key] = (now + self._ttl, value)

    def __len__(self) -> int:
        now = self._clock()
        return sum(1 for expires_at, _ in self._entries.values() if now < expires_at)


class UserStore:
    """Users in a SQLite table: ASCII e-mail addresses, unique regardless of ASCII case.

    - ``UserStore(conn)`` creates the table if it is missing. ``conn`` comes from
      ``sqlite3.connect(path)`` (Python's default transaction handling); stores on several
      connections to one file share the data.
    - ``add(email)`` registers a user who has never logged in, committed before it returns; if the
      address is registered already (compared without regard to case), ``ValueError`` and no change.
    - ``record_login(email, when)`` sets that user's last login (the address matched without regard
      to case, and otherwise exactly), committed before it returns; ``KeyError`` if there is no such user.
    - ``never_logged_in()`` lists the addresses, as added, of the users with no recorded login.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS users "
                         "(email TEXT NOT NULL UNIQUE COLLATE NOCASE, last_login REAL)")

    def add(self, email: str) -> None:
        try:
            with self.conn:  # commits on success, rolls back on an exception
                self.conn.execute("INSERT INTO users (email) VALUES (?)", (email,))
        except sqlite3.IntegrityError:
            raise ValueError(f"{email!r} is already registered") from None

    def record_login(self, email: str, when: float) -> None:
        with self.conn:
            updated = self.conn.execute("UPDATE users SET last_login = ? WHERE email = ?", (when, email)).rowcount
        if updated == 0:
            raise KeyError(email)

    def never_logged_in(self) -> list[str]:
        return [email for (email,) in self.conn.execute("SELECT email FROM users WHERE last_login IS NULL")]


_AMOUNT = re.compile(r"(-?)(0|[1-9][0-9]{0,2}(?:,[0-9]{3})*)\.([0-9]{2})")


def parse_cents(text: str) -> int:
    """``"-1,234.05"`` -> ``-123405``: the strict inverse of :func:`format_cents`.

    Accepts an optional ``-``, the whole part with a comma between every group of three digits
    (no leading zeros), a dot and exactly two digits; ASCII digits only. Anything else raises
    ``ValueError``.
    """
    match = _AMOUNT.fullmatch(text) if type(text) is str else None
    if match is None:
        raise ValueError(f"not an amount like -1,234.05: {text!r}")
    sign, whole, fraction = match.groups()
    cents = int(whole.replace(",", "")) * 100 + int(fraction)
    return -cents if sign else cents


def format_cents(cents: int) -> str:
    """``-123405`` -> ``"-1,234.05"``, exactly, for every int."""
    if type(cents) is not int:
        raise TypeError(f"cents must be an int, not {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{fraction:02d}"


def run_check(check: Callable[[type], object], implementation: type) -> str | None:
    """Run a student's ``check(implementation)``: None when it passes, else a one-line reason."""
    try:
        check(implementation)
    except AssertionError as error:
        return f"AssertionError: {error}" if str(error) else "AssertionError"
    except Exception as error:  # noqa: BLE001 - any exception is a failing test, as in pytest
        return f"{type(error).__name__}: {error}"
    return None


def mutant_of(cls: type, old: str, new: str) -> type:
    """A copy of class ``cls`` with the one occurrence of ``old`` in its source replaced by ``new``.

    The copy is compiled from the edited source in the namespace of ``cls``'s module, under the
    same name, so it is a mutant in the sense of mutation testing: the original with one small
    syntactic change.
    """
    import inspect
    import sys
    import textwrap

    source = textwrap.dedent(inspect.getsource(cls))
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times in {cls.__name__}, not once")
    namespace = dict(vars(sys.modules[cls.__module__]))
    exec(compile(source.replace(old, new), f"<mutant of {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    return namespace[cls.__name__]
