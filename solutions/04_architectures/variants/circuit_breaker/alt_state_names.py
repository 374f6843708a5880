# why: an explicit state name ("closed", "open", "half_open") and a deadline instead of opened_at
from collections.abc import Callable
from typing import Any


class CircuitBreaker:
    """Closed -> open after `failure_threshold` consecutive failures -> one half-open trial after `reset_timeout`."""

    def __init__(self, failure_threshold: int, reset_timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._clock = clock
        self._state = "closed"
        self._consecutive_failures = 0
        self._retry_at = 0.0

    def _trip(self, now: float) -> None:
        self._state = "open"
        self._retry_at = now + self._reset_timeout

    def call(self, operation: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
        if self._state == "open":
            now = self._clock()
            if now < self._retry_at:
                return fallback()
            self._state = "half_open"
        if self._state == "half_open":
            try:
                value = operation()
            except Exception:
                self._trip(now)
                return fallback()
            self._state = "closed"
            self._consecutive_failures = 0
            return value
        try:
            value = operation()
        except Exception:
            self._consecutive_failures += 1
            if self._consecutive_failures == self._threshold:
                self._trip(self._clock())
            return fallback()
        self._consecutive_failures = 0
        return value
