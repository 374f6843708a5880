# why: waits with `if` instead of `while`: after a stolen wakeup the woken thread takes a unit that is already gone
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
        with self._condition:
            if self._value == 0:
                if not blocking or not self._condition.wait(timeout):
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
