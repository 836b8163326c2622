"""Where accepted shadow signatures are remembered, so a captured header is not replayed.

With Redis configured (the service's context store) every accepted signature is recorded
once with `SET shopbot:shadow-seen:<sig> 1 NX EX <seconds left>`, so a header accepted by
one gunicorn worker, ECS task or Lambda environment is refused by all the others. While
Redis fails, shadow copies are refused (fail closed); shoppers' requests never come here.
Without Redis, each process remembers what it saw (replays are refused per process only).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import redis

KEY_PREFIX = "shopbot:shadow-seen:"
MAX_SEEN = 100_000


class SeenUnavailable(Exception):
    """The shared store could not say whether a signature was seen."""


class SeenStore(Protocol):
    scope: str  # "redis" (shared) or "process"

    def first_time(self, sig: str, until: float, now: float) -> bool:
        """Record `sig` until `until` (epoch s); False when it was already recorded."""
        ...


class ProcessSeen:
    """Per process, bounded: the oldest signatures are forgotten first."""

    scope = "process"

    def __init__(self, max_seen: int = MAX_SEEN) -> None:
        self.max_seen = max_seen
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, sig: str, until: float, now: float) -> bool:
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self.max_seen):
                self._seen.popitem(last=False)
            if self._seen.get(sig, 0.0) >= now:
                return False
            self._seen[sig] = until
        return True


class RedisSeen:
    """Shared by every process on the same Redis: one SET NX EX round trip per shadow copy."""

    scope = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def first_time(self, sig: str, until: float, now: float) -> bool:
        import redis

        seconds = max(1, math.ceil(until - now))
        try:
            return bool(self.client.set(KEY_PREFIX + sig, b"1", nx=True, ex=seconds))
        except redis.RedisError as error:
            raise SeenUnavailable(type(error).__name__) from None


def build_seen_store(redis_url: str | None, password: str | None, timeout: float) -> SeenStore:
    """Redis-backed when the service has Redis; per process otherwise."""
    if not redis_url:
        return ProcessSeen()
    import redis

    client = redis.Redis.from_url(redis_url, password=password, socket_timeout=timeout,
                                  socket_connect_timeout=timeout, max_connections=8)
    return RedisSeen(client)
