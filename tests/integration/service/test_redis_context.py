"""Conversation context in a real redis-server: atomic appends, TTL, cap, and outages."""

from __future__ import annotations

import time

import pytest
import redis

from shopbot.config import get_config
from shopbot.context import Turn
from shopbot.context.redis_store import KEY_PREFIX, RedisContextStore
from shopbot.errors import DependencyUnavailable
from tests.conftest import RedisServer
from tests.integration.service.conftest import AppFactory


def store_for(url: str, **env: str) -> RedisContextStore:
    return RedisContextStore.from_config(get_config("production", env={"REDIS_URL": url, **env}))


def test_turns_round_trip_capped_and_expiring(redis_url: str) -> None:
    store = store_for(redis_url, CONTEXT_MAX_TURNS="4", CONTEXT_TTL_SECONDS="120")
    for n in range(3):
        store.append("session-aa", [Turn("user", f"q{n}", 1.0), Turn("assistant", f"a{n}", 2.0)])
    turns = store.history("session-aa")
    assert [t.content for t in turns] == ["q1", "a1", "q2", "a2"]
    ttl = redis.Redis.from_url(redis_url).ttl(KEY_PREFIX + "session-aa")
    assert 0 < ttl <= 120
    assert store.delete("session-aa") is True and store.delete("session-aa") is False
    assert store.history("session-aa") == []


def test_a_corrupt_entry_does_not_break_the_session(redis_url: str) -> None:
    store = store_for(redis_url)
    store.append("session-bb", [Turn("user", "hello", 1.0)])
    redis.Redis.from_url(redis_url).rpush(KEY_PREFIX + "session-bb", b"\xff not json")
    store.append("session-bb", [Turn("assistant", "hi", 2.0)])
    assert [t.content for t in store.history("session-bb")] == ["hello", "hi"]


def test_chat_through_redis_is_shared_between_app_instances(make_app: AppFactory, redis_url: str) -> None:
    ecs = make_app("production", REDIS_URL=redis_url).test_client()
    lam = make_app("lambda", REDIS_URL=redis_url).test_client()
    first = ecs.post("/api/chat", json={"message": "tent for camping"}).json
    assert first["context_available"] is True
    turns = lam.get(f"/api/chat/{first['session_id']}").json["turns"]
    assert turns[0]["content"] == "tent for camping"


def test_redis_down_chat_still_answers_and_history_says_503(
    make_app: AppFactory, disposable_redis: RedisServer
) -> None:
    client = make_app("production", REDIS_URL=disposable_redis.url, REDIS_TIMEOUT_SECONDS="0.2").test_client()
    saved = client.post("/api/chat", json={"message": "headphones", "session_id": "before-outage"}).json
    assert saved["context_available"] is True
    disposable_redis.kill()

    started = time.monotonic()
    answer = client.post("/api/chat", json={"message": "headphones", "session_id": "before-outage"})
    assert answer.status_code == 200
    assert answer.json["context_available"] is False and answer.json["products"]
    assert time.monotonic() - started < 3

    history = client.get("/api/chat/before-outage")
    assert history.status_code == 503 and history.json["error"]["code"] == "dependency_unavailable"
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json["checks"]["search"] == "ok" and ready.json["checks"]["context"] != "ok"


def test_unreachable_redis_raises_dependency_unavailable_quickly(disposable_redis: RedisServer) -> None:
    store = store_for(disposable_redis.url, REDIS_TIMEOUT_SECONDS="0.2")
    disposable_redis.kill()
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable):
        store.ping()
    assert time.monotonic() - started < 2
