# why: a fair (FIFO) semaphore: waiters queue tickets, only the head takes a unit; notify_all; try-acquire may barge
import collections
import threading
import time


class Semaphore:
    """A counting semaphore built from a lock and a condition variable."""

    def __init__(self, value: int = 1):
        if value < 0:
            raise ValueError(f"negative initial value {value}")
        self._cv = threading.Condition(threading.Lock())
        self._count = value
        self._line = collections.deque()  # tickets of the blocked threads, oldest first

    @property
    def value(self) -> int:
        with self._cv:
            return self._count

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        with self._cv:
            if self._count > 0 and (not self._line or not blocking):
                self._count -= 1  # nobody in line (or a try-acquire, allowed to barge)
                return True
            if not blocking:
                return False
            ticket = object()
            self._line.append(ticket)
            deadline = None if timeout is None else time.monotonic() + timeout
            try:
                while not (self._line[0] is ticket and self._count > 0):
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cv.wait(left)
                self._count -= 1
                return True
            finally:
                self._line.remove(ticket)
                self._cv.notify_all()  # the next in line re-checks

    def release(self) -> None:
        with self._cv:
            self._count += 1
            self._cv.notify_all()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
