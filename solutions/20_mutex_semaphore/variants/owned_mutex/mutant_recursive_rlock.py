# why: builds on RLock ("it has an owner"): non-owner releases refused, but the owner re-acquiring silently nests
class OwnedMutex:
    """A non-recursive mutex that knows its owner and refuses a release by anyone else."""

    def __init__(self):
        import threading

        self._rlock = threading.RLock()
        self._owner = None
        self._depth = 0

    @property
    def owner(self):
        return self._owner

    def locked(self) -> bool:
        return self._owner is not None

    def acquire(self, timeout: float | None = None) -> bool:
        import threading

        if not self._rlock.acquire(timeout=-1 if timeout is None else timeout):
            return False
        self._owner = threading.get_ident()
        self._depth += 1
        return True

    def release(self) -> None:
        import threading

        if self._owner != threading.get_ident():
            raise RuntimeError("not the owner")
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
        self._rlock.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
