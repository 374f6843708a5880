# why: INSERT ... SELECT WHERE NOT EXISTS, conn.total_changes instead of rowcount, an explicit attempt counter
def read_cart(conn, cart: str) -> tuple[dict[str, int], int]:
    """The cart's items and version; ({}, 0) when it has no row."""
    import json

    rows = conn.execute("SELECT version, items FROM carts WHERE cart = ?", (cart,)).fetchall()
    return (json.loads(rows[0][1]), int(rows[0][0])) if rows else ({}, 0)


def write_cart(conn, cart: str, items: dict[str, int], expected_version: int) -> bool:
    """Write items as version expected_version + 1 if the stored version is still expected_version."""
    import json

    before = conn.total_changes
    if expected_version == 0:
        conn.execute("INSERT INTO carts (cart, items, version) SELECT ?, ?, 1"
                     " WHERE NOT EXISTS (SELECT 1 FROM carts WHERE cart = ?)", (cart, json.dumps(items), cart))
    else:
        conn.execute("UPDATE carts SET version = ?, items = ? WHERE cart = ? AND version = ?",
                     (expected_version + 1, json.dumps(items), cart, expected_version))
    return conn.total_changes - before == 1


def add_item(conn, cart: str, item: str, before_write=None, attempts: int = 5) -> dict[str, int]:
    """Add one `item` to the cart with read / modify / conditional write, retrying on conflict."""
    tries = 0
    while tries < attempts:
        tries += 1
        current, version = read_cart(conn, cart)
        updated = {**current, item: current.get(item, 0) + 1}
        if before_write:
            before_write()
        if write_cart(conn, cart, updated, version):
            return updated
    raise RuntimeError("too many conflicts")
