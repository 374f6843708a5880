# why: an explicit while loop with a monotonic deadline instead of wait_for; notify_all; RLock-based Condition
import threading
import time


class Semaphore:
    """A counting semaphore built from a lock and a condition variable."""

    def __init__(self, value: int = 1):
        if value < 0:
            raise ValueError("negative semaphore value")
        self._count = value
        self._cv = threading.Condition()

    @property
    def value(self) -> int:
        return self._count

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        with self._cv:
            if not blocking:
                if self._count == 0:
                    return False
            elif timeout is None:
                while self._count == 0:
                    self._cv.wait()
            else:
                deadline = time.monotonic() + timeout
                while self._count == 0:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cv.wait(remaining)
            self._count -= 1
            return True

    def release(self) -> None:
        with self._cv:
            self._count += 1
            self._cv.notify_all()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.release()
        return False
