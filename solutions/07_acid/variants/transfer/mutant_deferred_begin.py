# why: plain (DEFERRED) BEGIN: atomic, but "database is locked" when another connection writes mid-transfer
import sqlite3


def transfer(conn: sqlite3.Connection, source: str, target: str, amount: int) -> None:
    """Atomically move `amount` from account `source` to account `target`."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive integer")
    if source == target:
        raise ValueError("same account")
    conn.execute("BEGIN")
    try:
        rows = dict(conn.execute("SELECT id, balance FROM accounts WHERE id IN (?, ?)", (source, target)))
        if source not in rows or target not in rows:
            raise ValueError("unknown account")
        if rows[source] < amount:
            raise ValueError("insufficient funds")
        conn.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", (amount, source))
        conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, target))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
