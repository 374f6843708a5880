# why: a "fast path" checks the count before taking the lock: check-then-act race, two take the last unit
class Semaphore:
    """A counting semaphore built from a lock and a condition variable."""

    def __init__(self, value: int = 1):
        import threading

        if value < 0:
            raise ValueError("value must be >= 0")
        self._condition = threading.Condition(threading.Lock())
        self._value = value

    @property
    def value(self) -> int:
        with self._condition:
            return self._value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if self._value > 0:  # fast path: no waiting needed
            with self._condition:
                self._value -= 1
            return True
        with self._condition:
            if not self._condition.wait_for(lambda: self._value > 0, timeout if blocking else 0):
                return False
            self._value -= 1
            return True

    def release(self) -> None:
        with self._condition:
            self._value += 1
            self._condition.notify()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
