"""A captured shadow header cannot be replayed on another instance sharing the Redis, and
while that Redis is down shadow copies are refused while shoppers are still answered."""

from __future__ import annotations

import time

import pytest
import redis
from flask.testing import FlaskClient

from shopbot import create_app
from shopbot.config import get_config
from shopbot.shadow.seen import KEY_PREFIX
from shopbot.shadow.signing import sign
from tests.conftest import RedisServer

KEY = "test-shadow-signing-key-0123456789"
BODY = b'{"message": "trail running shoes", "session_id": "shopper-0042"}'


@pytest.fixture(autouse=True)
def _signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_SIGNING_KEY", KEY)


def instance(**env: str) -> FlaskClient:
    """One service process as a gunicorn worker or Lambda environment builds it."""
    return create_app(get_config("production", env=env)).test_client()


def shadow_chat(client: FlaskClient, header: str) -> tuple[int, str]:
    answer = client.post("/api/chat", data=BODY, content_type="application/json",
                         headers={"X-Shopbot-Shadow": header})
    error = (answer.json or {}).get("error", {}) if answer.status_code != 200 else {}
    return answer.status_code, f"{error.get('code', '')}: {error.get('message', '')}"


def test_a_header_accepted_by_one_instance_is_refused_by_another_sharing_the_redis(redis_url: str) -> None:
    first, second = instance(REDIS_URL=redis_url), instance(REDIS_URL=redis_url)
    header = sign(KEY.encode(), "POST", "/api/chat", BODY, "c1")
    assert shadow_chat(first, header)[0] == 200
    status, error = shadow_chat(second, header)
    assert status == 403 and error.startswith("shadow_refused") and "replayed" in error
    assert shadow_chat(first, header)[0] == 403  # and by the one that accepted it
    # remembered in Redis only as long as the header could still be accepted
    (stored,) = redis.Redis.from_url(redis_url).keys(KEY_PREFIX + "*")
    assert 0 < redis.Redis.from_url(redis_url).ttl(stored) <= 61
    # a fresh header for the same request is still accepted: only the replay is refused
    assert shadow_chat(second, sign(KEY.encode(), "POST", "/api/chat", BODY, "c2"))[0] == 200


def test_two_shoppers_identical_requests_in_one_second_are_two_copies_not_a_replay(redis_url: str) -> None:
    first, second = instance(REDIS_URL=redis_url), instance(REDIS_URL=redis_url)
    now = time.time()
    headers = [sign(KEY.encode(), "POST", "/api/chat", BODY, "c1", now=now) for _ in range(2)]
    assert headers[0] != headers[1]
    assert [shadow_chat(first, headers[0])[0], shadow_chat(second, headers[1])[0]] == [200, 200]


def test_without_redis_each_process_refuses_its_own_replays_only() -> None:
    first, second = instance(), instance()
    header = sign(KEY.encode(), "POST", "/api/chat", BODY, "c1")
    assert shadow_chat(first, header)[0] == 200
    assert shadow_chat(first, header)[0] == 403
    assert shadow_chat(second, header)[0] == 200  # the documented limit of the per-process fallback


def test_with_redis_down_shadow_copies_are_refused_and_shoppers_still_answered(
    disposable_redis: RedisServer,
) -> None:
    client = instance(REDIS_URL=disposable_redis.url, REDIS_TIMEOUT_SECONDS="0.2")
    assert shadow_chat(client, sign(KEY.encode(), "POST", "/api/chat", BODY, "c1"))[0] == 200
    disposable_redis.kill()

    started = time.monotonic()
    status, error = shadow_chat(client, sign(KEY.encode(), "POST", "/api/chat", BODY, "c2"))
    assert status == 403 and error.startswith("shadow_refused") and "replay store unavailable" in error
    assert time.monotonic() - started < 3

    shopper = client.post("/api/chat", json={"message": "trail running shoes", "session_id": "shopper-0043"})
    assert shopper.status_code == 200 and shopper.json is not None and shopper.json["products"]
    search = client.get("/api/products/search", query_string={"q": "waterproof jacket"})
    assert search.status_code == 200
