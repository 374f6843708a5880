# why: a fixed-size ring buffer with in/out indices, the index updates protected by a mutex (a Semaphore(1))
# ruff: noqa: F821 - Semaphore comes from Exercise 1's cell
class BoundedBuffer:
    """A FIFO of at most `capacity` items for producer and consumer threads."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._slots = [None] * capacity
        self._head = 0  # next to read
        self._size = 0
        self._empty_slots = Semaphore(capacity)
        self._full_slots = Semaphore(0)
        self._mutex = Semaphore(1)

    def put(self, item, timeout: float | None = None) -> bool:
        if not self._empty_slots.acquire(timeout=timeout):
            return False
        with self._mutex:
            self._slots[(self._head + self._size) % len(self._slots)] = item
            self._size += 1
        self._full_slots.release()
        return True

    def get(self, timeout: float | None = None):
        if not self._full_slots.acquire(timeout=timeout):
            raise TimeoutError(f"buffer still empty after {timeout} s")
        with self._mutex:
            item, self._slots[self._head] = self._slots[self._head], None
            self._head = (self._head + 1) % len(self._slots)
            self._size -= 1
        self._empty_slots.release()
        return item

    def __len__(self) -> int:
        return self._size
