# why: no inner Lock to hold: the owner field IS the lock state, guarded by a Condition that waiters sleep on
import threading


class OwnedMutex:
    """A non-recursive mutex that knows its owner and refuses a release by anyone else."""

    def __init__(self):
        self._cv = threading.Condition(threading.Lock())
        self._holder = None

    @property
    def owner(self):
        with self._cv:
            return self._holder

    def locked(self) -> bool:
        return self.owner is not None

    def acquire(self, timeout: float | None = None) -> bool:
        me = threading.get_ident()
        with self._cv:
            if self._holder == me:
                raise RuntimeError("deadlock avoided: the owner tried to lock its own mutex")
            if not self._cv.wait_for(lambda: self._holder is None, timeout):
                return False
            self._holder = me
            return True

    def release(self) -> None:
        with self._cv:
            if self._holder != threading.get_ident():
                raise RuntimeError("only the owner may release this mutex")
            self._holder = None
            self._cv.notify()

    def __enter__(self):
        return self.acquire() and self

    def __exit__(self, *exc):
        self.release()
