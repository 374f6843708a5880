# why: no user data in the SQL at all: reads every user and compares the names in Python
def find_users(conn: sqlite3.Connection, name: str) -> list[tuple[int, str, str]]:
    """The users whose name is exactly `name`, as (id, name, email) tuples ordered by id."""
    rows = conn.execute("SELECT id, name, email FROM users").fetchall()
    return sorted(tuple(row) for row in rows if row[1] == name)
