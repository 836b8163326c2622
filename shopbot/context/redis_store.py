"""Redis conversation store: one list per session, appended atomically with a TTL.

The connection pool is created lazily by redis-py (no socket until the first command),
with short timeouts so a Redis outage answers fast instead of hanging a request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import redis

from ..errors import DependencyUnavailable
from . import Turn

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger("shopbot")
KEY_PREFIX = "shopbot:ctx:"


class RedisContextStore:
    def __init__(self, client: redis.Redis, max_turns: int = 40, ttl_seconds: int = 86_400) -> None:
        self.client = client
        self.max_turns = max_turns
        self.ttl_seconds = ttl_seconds

    @classmethod
    def from_config(cls, config: Config) -> RedisContextStore:
        assert config.redis_url
        client = redis.Redis.from_url(
            config.redis_url,
            password=config.redis_password,
            socket_timeout=config.redis_timeout_seconds,
            socket_connect_timeout=config.redis_timeout_seconds,
            health_check_interval=30,
            max_connections=32,
        )
        return cls(client, config.context_max_turns, config.context_ttl_seconds)

    def history(self, session_id: str) -> list[Turn]:
        with _unavailable_on_error("reading the conversation"):
            raw = self.client.lrange(KEY_PREFIX + session_id, 0, -1)
        turns = []
        for item in raw:
            try:
                turns.append(Turn.from_dict(json.loads(item)))
            except (ValueError, KeyError, TypeError):
                log.warning("skipping an unreadable turn in session %s", session_id)
        return turns

    def append(self, session_id: str, turns: list[Turn]) -> None:
        key = KEY_PREFIX + session_id
        with _unavailable_on_error("saving the conversation"):
            pipe = self.client.pipeline(transaction=True)  # MULTI/EXEC: all or nothing
            pipe.rpush(key, *(json.dumps(turn.to_dict()) for turn in turns))
            pipe.ltrim(key, -self.max_turns, -1)
            pipe.expire(key, self.ttl_seconds)
            pipe.execute()

    def delete(self, session_id: str) -> bool:
        with _unavailable_on_error("deleting the conversation"):
            return bool(self.client.delete(KEY_PREFIX + session_id))

    def ping(self) -> None:
        with _unavailable_on_error("checking the conversation store"):
            self.client.ping()

    def reconnect(self) -> None:
        """Drop pooled sockets (after a SnapStart restore they point at nothing)."""
        self.client.connection_pool.disconnect()


@contextmanager
def _unavailable_on_error(doing: str) -> Iterator[None]:
    """Turn Redis failures into DependencyUnavailable (503) saying what was being done."""
    try:
        yield
    except redis.RedisError as error:
        log.warning("redis failed while %s: %s", doing, type(error).__name__)
        raise DependencyUnavailable(f"conversation store unavailable while {doing}") from error
