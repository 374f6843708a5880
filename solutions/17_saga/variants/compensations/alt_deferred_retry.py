# why: plain (DEFERRED) transactions, retried from the start when another writer got there first (SQLITE_BUSY)
def _retrying(service, work):
    import sqlite3
    import time

    for attempt in range(200):
        conn = service.connect()
        try:
            conn.execute("BEGIN")
            try:
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            time.sleep(0.001 * (attempt + 1))
        finally:
            conn.close()
    raise TimeoutError("gave up after 200 attempts")


def refund(payments: PaymentService, order_id: str) -> bool:
    """Compensate `charge`: a refund ledger row and the money back, at most once per order."""
    def work(conn):
        kinds = dict(conn.execute("SELECT kind, customer || char(0) || amount FROM ledger WHERE order_id = ?",
                                  (order_id,)))
        if "charge" not in kinds or "refund" in kinds:
            return False
        customer, amount = kinds["charge"].split("\0")
        conn.execute("INSERT INTO ledger (order_id, customer, kind, amount) VALUES (?, ?, 'refund', ?)",
                     (order_id, customer, int(amount)))
        conn.execute("UPDATE wallets SET balance = balance + ? WHERE customer = ?", (int(amount), customer))
        return True
    return _retrying(payments, work)


def release(inventory: InventoryService, order_id: str) -> bool:
    """Compensate `reserve`: put the reserved quantity back, at most once per order."""
    def work(conn):
        row = conn.execute("SELECT item, quantity FROM reservations WHERE order_id = ? AND released = 0",
                           (order_id,)).fetchone()
        if row is None:
            return False
        conn.execute("UPDATE reservations SET released = 1 WHERE order_id = ?", (order_id,))
        conn.execute("UPDATE stock SET quantity = quantity + ? WHERE item = ?", (row[1], row[0]))
        return True
    return _retrying(inventory, work)
