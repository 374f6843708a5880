# why: a get that times out returns None instead of raising, so None items and timeouts look the same
# ruff: noqa: F821 - Semaphore comes from Exercise 1's cell
class BoundedBuffer:
    """A FIFO of at most `capacity` items for producer and consumer threads."""

    def __init__(self, capacity: int):
        import collections
        import threading

        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._free = Semaphore(capacity)
        self._filled = Semaphore(0)
        self._lock = threading.Lock()
        self._items = collections.deque()

    def put(self, item, timeout: float | None = None) -> bool:
        if not self._free.acquire(timeout=timeout):
            return False
        with self._lock:
            self._items.append(item)
        self._filled.release()
        return True

    def get(self, timeout: float | None = None):
        if not self._filled.acquire(timeout=timeout):
            return None
        with self._lock:
            item = self._items.popleft()
        self._free.release()
        return item

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
