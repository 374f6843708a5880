# why: DEFERRED transaction with a context manager and a retry loop on SQLITE_BUSY, as the SQLite docs allow
import contextlib
import sqlite3
import time


@contextlib.contextmanager
def _atomic(conn):
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def transfer(conn: sqlite3.Connection, source: str, target: str, amount: int) -> None:
    """Atomically move `amount` from account `source` to account `target`."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(amount)
    if source == target:
        raise ValueError("a transfer needs two accounts")
    for attempt in range(100):
        try:
            with _atomic(conn):
                balance = {}
                for name in (source, target):
                    row = conn.execute("SELECT balance FROM accounts WHERE id = ?", (name,)).fetchone()
                    if row is None:
                        raise ValueError(f"no account {name}")
                    balance[name] = row[0]
                if balance[source] < amount:
                    raise ValueError("insufficient funds")
                conn.execute("UPDATE accounts SET balance = ? WHERE id = ?", (balance[source] - amount, source))
                conn.execute("UPDATE accounts SET balance = ? WHERE id = ?", (balance[target] + amount, target))
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            time.sleep(0.001 * (attempt + 1))
    raise RuntimeError("gave up after 100 attempts")
