# why: increments first and raises afterwards without undoing it, so a refused release still adds a permit
# ruff: noqa: F821 - Semaphore comes from Exercise 1's cell
class BoundedSemaphore(Semaphore):
    """A semaphore whose count may never exceed its initial value."""

    def __init__(self, value: int = 1):
        super().__init__(value)
        self._initial = value

    def release(self) -> None:
        with self._condition:
            self._value += 1
            self._condition.notify()
            if self._value > self._initial:
                raise ValueError("BoundedSemaphore released too many times")
