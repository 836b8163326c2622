"""A fixed-window limit on chat requests per client (off by default), keyed on an address
the client cannot choose.

The key is the viewer's address as the trusted edge reports it (`client_address`): a
header only the edge sets (CloudFront-Viewer-Address), or the X-Forwarded-For hop the
first trusted proxy appended, or else the TCP peer. Never a session id or the leftmost
X-Forwarded-For hop: a client picks those, and rotating them would lift the limit.
IPv6 viewers are keyed by their /64, which one subscriber usually holds whole.

With Redis configured the counts live there (one INCR per request), so the limit holds
across gunicorn workers and Lambda environments; otherwise, or while Redis is down, per
process in a bounded dict. Neither ever scans all its keys on a request.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .errors import TooManyRequests

if TYPE_CHECKING:
    import redis

    from .config import Config

log = logging.getLogger("shopbot")
KEY_PREFIX = "shopbot:rl:"
WINDOW_SECONDS = 60


class Limiter(Protocol):
    per_minute: int

    def check(self, client: str) -> None:
        """Raise `TooManyRequests` when `client` is over the limit in this window."""


def _too_many(per_minute: int) -> TooManyRequests:
    return TooManyRequests(f"more than {per_minute} chat requests a minute: slow down")


class RateLimiter:
    """Per process. Counts of the current window only, at most `max_clients` of them: the
    oldest client is forgotten first (a forgotten client starts again at 1, so a flood
    of new addresses costs memory nobody else's limit)."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max(1, max_clients)
        self._window = 0
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def check(self, client: str) -> None:
        if self.per_minute <= 0:
            return
        window = int(time.time() // WINDOW_SECONDS)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}  # O(1): the old window is dropped whole
            count = self._counts.pop(client, 0) + 1
            if len(self._counts) >= self.max_clients:
                del self._counts[next(iter(self._counts))]  # oldest inserted first
            self._counts[client] = count
        if count > self.per_minute:
            raise _too_many(self.per_minute)


class RedisRateLimiter:
    """Shared by every process that uses the same Redis: INCR + EXPIRE in one round trip.
    While Redis fails, a per-process limiter stands in (the limit still holds per process)."""

    def __init__(self, client: redis.Redis, per_minute: int, fallback: RateLimiter) -> None:
        self.client = client
        self.per_minute = per_minute
        self.fallback = fallback

    def check(self, client: str) -> None:
        if self.per_minute <= 0:
            return
        import redis

        window = int(time.time() // WINDOW_SECONDS)
        key = f"{KEY_PREFIX}{window}:{client}"
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count = int(pipe.execute()[0])
        except redis.RedisError as error:
            log.warning("rate limit store unavailable (%s): limiting per process", type(error).__name__)
            self.fallback.check(client)
            return
        if count > self.per_minute:
            raise _too_many(self.per_minute)


def build_rate_limiter(config: Config) -> Limiter:
    """Redis-backed when Redis is configured and the limit is on; per process otherwise."""
    local = RateLimiter(config.rate_limit_per_minute, config.rate_limit_max_clients)
    if not config.redis_url or config.rate_limit_per_minute <= 0:
        return local
    import redis

    client = redis.Redis.from_url(
        config.redis_url,
        password=config.redis_password,
        socket_timeout=config.redis_timeout_seconds,
        socket_connect_timeout=config.redis_timeout_seconds,
        max_connections=32,
    )
    return RedisRateLimiter(client, config.rate_limit_per_minute, local)


def client_address(environ: Mapping[str, Any], config: Config) -> str:
    """The viewer's address as the trusted edge reports it (see the module docstring)."""
    header = config.client_address_header
    if header:
        value = str(environ.get("HTTP_" + header.upper().replace("-", "_"), "")).strip()
        if value:
            return network_key(_strip_port(value))
    peer = str(environ.get("REMOTE_ADDR") or "unknown")
    proxies = config.trusted_proxy_count
    if proxies > 0:
        hops = [hop.strip() for hop in str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:  # fewer: the request skipped a trusted proxy; trust the peer only
            return network_key(hops[-proxies])
    return network_key(peer)


def _strip_port(value: str) -> str:
    """CloudFront-Viewer-Address is `ip:port` (`2001:db8::1:443` for IPv6)."""
    address, sep, port = value.rpartition(":")
    return address.strip("[]") if sep and port.isdigit() and address else value


def network_key(address: str) -> str:
    """IPv4 as is; IPv6 as its /64; anything unparseable as given (bounded by its length)."""
    try:
        parsed = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64)))
    return str(parsed)
