# why: uses eng101's transaction() helper and lets conditional SQL (INSERT ... SELECT, UPDATE ... WHERE) decide
from eng101.sqlite_services import InventoryService, PaymentService, transaction


def refund(payments: PaymentService, order_id: str) -> bool:
    """Compensate `charge`: a refund ledger row and the money back, at most once per order."""
    conn = payments.connect()
    try:
        with transaction(conn):
            inserted = conn.execute(
                """INSERT INTO ledger (order_id, customer, kind, amount)
                   SELECT order_id, customer, 'refund', amount FROM ledger
                   WHERE order_id = ? AND kind = 'charge'
                     AND NOT EXISTS (SELECT 1 FROM ledger WHERE order_id = ? AND kind = 'refund')""",
                (order_id, order_id)).rowcount
            if inserted:
                conn.execute(
                    """UPDATE wallets SET balance = balance +
                         (SELECT amount FROM ledger WHERE order_id = ? AND kind = 'refund')
                       WHERE customer = (SELECT customer FROM ledger WHERE order_id = ? AND kind = 'refund')""",
                    (order_id, order_id))
        return inserted == 1
    finally:
        conn.close()


def release(inventory: InventoryService, order_id: str) -> bool:
    """Compensate `reserve`: put the reserved quantity back, at most once per order."""
    conn = inventory.connect()
    try:
        with transaction(conn):
            marked = conn.execute("UPDATE reservations SET released = 1 WHERE order_id = ? AND released = 0",
                                  (order_id,)).rowcount
            if marked:
                conn.execute(
                    """UPDATE stock SET quantity = quantity + (SELECT quantity FROM reservations WHERE order_id = ?)
                       WHERE item = (SELECT item FROM reservations WHERE order_id = ?)""",
                    (order_id, order_id))
        return bool(marked)
    finally:
        conn.close()
