# why: records the owner but never checks it on release, so any thread can unlock someone else's critical section
class OwnedMutex:
    """A non-recursive mutex that knows its owner and refuses a release by anyone else."""

    def __init__(self):
        import threading

        self._lock = threading.Lock()
        self._owner = None

    @property
    def owner(self):
        return self._owner

    def locked(self) -> bool:
        return self._lock.locked()

    def acquire(self, timeout: float | None = None) -> bool:
        import threading

        if self._owner == threading.get_ident():
            raise RuntimeError("already held by this thread")
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            return False
        self._owner = threading.get_ident()
        return True

    def release(self) -> None:
        self._owner = None
        self._lock.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
