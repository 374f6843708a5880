# why: one conditional UPDATE of both rows inside BEGIN IMMEDIATE; refusals diagnosed afterwards from rowcount
import sqlite3


def transfer(conn: sqlite3.Connection, source: str, target: str, amount: int) -> None:
    """Atomically move `amount` from account `source` to account `target`."""
    if type(amount) is not int or amount < 1 or source == target:
        raise ValueError("bad transfer request")
    conn.execute("BEGIN IMMEDIATE")
    try:
        cursor = conn.execute(
            """UPDATE accounts
               SET balance = balance + CASE id WHEN ? THEN -? ELSE ? END
               WHERE id IN (?, ?)
                 AND (SELECT count(*) FROM accounts WHERE id IN (?, ?)) = 2
                 AND (SELECT balance FROM accounts WHERE id = ?) >= ?""",
            (source, amount, amount, source, target, source, target, source, amount),
        )
        if cursor.rowcount != 2:
            raise ValueError("unknown account or insufficient funds")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
