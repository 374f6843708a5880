# why: BEGIN EXCLUSIVE, then conditional UPDATEs decide, checking rowcount instead of reading first
def transfer(conn: sqlite3.Connection, source: str, target: str, amount: int) -> None:
    """Atomically move `amount` from account `source` to account `target`."""
    if type(amount) is not int or amount < 1:
        raise ValueError(f"bad amount {amount!r}")
    if source == target:
        raise ValueError("same account")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        credited = conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, target)).rowcount
        if credited != 1:
            raise ValueError(f"no account {target!r}")
        debited = conn.execute("UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ?",
                               (amount, source, amount)).rowcount
        if debited != 1:
            raise ValueError(f"{source!r} is unknown or has less than {amount}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
