# why: a named placeholder and a dict, with rows rebuilt as tuples in a comprehension
def find_users(conn: sqlite3.Connection, name: str) -> list[tuple[int, str, str]]:
    """The users whose name is exactly `name`, as (id, name, email) tuples ordered by id."""
    sql = "SELECT id, name, email FROM users WHERE name = :wanted ORDER BY id ASC"
    return [(row[0], row[1], row[2]) for row in conn.execute(sql, {"wanted": name})]
