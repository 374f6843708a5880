# why: refunds by deleting the charge row (a rollback, not a compensation): the audit trail is gone
from eng101.sqlite_services import InventoryService, PaymentService


def refund(payments: PaymentService, order_id: str) -> bool:
    """Compensate `charge`: a refund ledger row and the money back, at most once per order."""
    conn = payments.connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        charge = conn.execute("SELECT customer, amount FROM ledger WHERE order_id = ? AND kind = 'charge'",
                              (order_id,)).fetchone()
        if charge is None:
            conn.execute("ROLLBACK")
            return False
        conn.execute("DELETE FROM ledger WHERE order_id = ? AND kind = 'charge'", (order_id,))
        conn.execute("UPDATE wallets SET balance = balance + ? WHERE customer = ?", (charge[1], charge[0]))
        conn.execute("COMMIT")
        return True
    finally:
        conn.close()


def release(inventory: InventoryService, order_id: str) -> bool:
    """Compensate `reserve`: put the reserved quantity back, at most once per order."""
    conn = inventory.connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT item, quantity FROM reservations WHERE order_id = ? AND released = 0",
                           (order_id,)).fetchone()
        if row is None:
            conn.execute("ROLLBACK")
            return False
        conn.execute("UPDATE stock SET quantity = quantity + ? WHERE item = ?", (row[1], row[0]))
        conn.execute("UPDATE reservations SET released = 1 WHERE order_id = ?", (order_id,))
        conn.execute("COMMIT")
        return True
    finally:
        conn.close()
