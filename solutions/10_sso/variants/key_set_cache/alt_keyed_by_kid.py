# why: keeps the keys in a dict by kid and the next allowed refetch time, instead of the document and its age
from collections.abc import Callable


class KeySetCache:
    """The provider's JWK Set, fetched on demand, cached, refetched on rotation at a bounded rate."""

    def __init__(self, fetch: Callable[[], dict], clock: Callable[[], float], max_age: float = 300.0,
                 min_refetch_interval: float = 30.0):
        self._fetch = fetch
        self._clock = clock
        self._max_age = max_age
        self._interval = min_refetch_interval
        self._document: dict | None = None
        self._by_kid: dict = {}
        self._stale_at = float("-inf")
        self._may_refetch_at = float("-inf")

    def key_set(self, kid: str | None) -> dict:
        """The JWK Set to check a token whose header names `kid`."""
        t = self._clock()
        stale = self._document is None or t >= self._stale_at
        unknown = kid is None or kid not in self._by_kid
        if stale or (unknown and t >= self._may_refetch_at):
            document = self._fetch()
            self._document = document
            self._by_kid = {jwk.get("kid"): jwk for jwk in document.get("keys", [])}
            self._by_kid.pop(None, None)
            self._stale_at = t + self._max_age
            self._may_refetch_at = t + self._interval
        return self._document
