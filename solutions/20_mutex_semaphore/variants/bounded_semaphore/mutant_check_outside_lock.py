# why: checks the bound by reading the count, then calls the inherited release: two racing releases both pass the check
# ruff: noqa: F821 - Semaphore comes from Exercise 1's cell
class BoundedSemaphore(Semaphore):
    """A semaphore whose count may never exceed its initial value."""

    def __init__(self, value: int = 1):
        super().__init__(value)
        self._initial = value

    def release(self) -> None:
        if self.value >= self._initial:
            raise ValueError("BoundedSemaphore released too many times")
        super().release()
