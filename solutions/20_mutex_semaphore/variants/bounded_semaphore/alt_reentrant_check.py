# why: re-enters the inherited release while holding the condition (made reentrant with an RLock) after the bound check
# ruff: noqa: F821 - Semaphore comes from Exercise 1's cell
import threading


class BoundedSemaphore(Semaphore):
    """A semaphore whose count may never exceed its initial value."""

    def __init__(self, value: int = 1):
        super().__init__(value)
        self._limit = value
        self._condition = threading.Condition(threading.RLock())  # reentrant: release can nest

    def release(self) -> None:
        with self._condition:
            if self.value + 1 > self._limit:
                raise ValueError(f"count would exceed {self._limit}")
            super().release()
