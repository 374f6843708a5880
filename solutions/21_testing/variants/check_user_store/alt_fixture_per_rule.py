# why: one small test per rule, each on a fresh database from a fixture-like context manager; commits seen by reopening
def check_user_store(UserStore: type) -> None:
    """Return if `UserStore` honours the contract above; raise (AssertionError) if it does not."""
    import sqlite3
    import tempfile
    from contextlib import contextmanager
    from pathlib import Path

    @contextmanager
    def fresh_database():
        """A fixture: a new database file; yields a function that opens a store on a new connection."""
        connections = []

        def open_store():
            connections.append(sqlite3.connect(Path(directory) / "users.db"))
            connections[-1].execute("PRAGMA synchronous = OFF")
            return UserStore(connections[-1])

        with tempfile.TemporaryDirectory() as directory:
            try:
                yield open_store
            finally:
                for connection in connections:
                    connection.close()

    def test_duplicates_in_any_case_are_refused():
        with fresh_database() as open_store:
            store = open_store()
            store.add("Ana@Corp.io")
            for again in ("Ana@Corp.io", "ana@corp.io", "ANA@CORP.IO"):
                try:
                    store.add(again)
                except ValueError:
                    continue
                raise AssertionError(f"add({again!r}) was accepted")
            assert store.never_logged_in() == ["Ana@Corp.io"]

    def test_logins_match_case_insensitively_and_exactly():
        with fresh_database() as open_store:
            store = open_store()
            for email in ("x_y@a.io", "xzy@a.io", "x%@a.io", "xq@a.io"):
                store.add(email)
            store.record_login("X_Y@A.IO", 10.0)
            store.record_login("x%@a.io", 11.0)
            assert set(store.never_logged_in()) == {"xzy@a.io", "xq@a.io"}
            try:
                store.record_login("ghost@a.io", 12.0)
            except KeyError:
                pass
            else:
                raise AssertionError("record_login of an unknown user must raise KeyError")

    def test_changes_are_committed():
        with fresh_database() as open_store:
            writer = open_store()
            writer.add("Kim@b.io")
            assert open_store().never_logged_in() == ["Kim@b.io"], "add is not visible to another connection"
            writer.record_login("kim@b.io", 5.0)
            assert open_store().never_logged_in() == [], "record_login is not visible to another connection"

    test_duplicates_in_any_case_are_refused()
    test_logins_match_case_insensitively_and_exactly()
    test_changes_are_committed()
