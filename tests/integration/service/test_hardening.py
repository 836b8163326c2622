"""What a hostile client tries against the service: input that used to escape as a 500, and
rotating the values a rate limit was keyed on. Both targets run this same app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from shopbot.context import Turn
from shopbot.context.memory import MemoryContextStore
from shopbot.lambda_handler import make_handler
from shopbot.ratelimit import RateLimiter
from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.conftest import RedisServer
from tests.integration.service.conftest import AppFactory


def json_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.json["error"]["code"] == code
    assert response.json["error"]["status"] == status and response.json["error"]["message"]


@pytest.fixture
def client(make_app: AppFactory) -> FlaskClient:
    return make_app("testing").test_client()


def test_a_session_id_with_a_trailing_newline_is_400(client: FlaskClient) -> None:
    json_error(client.post("/api/chat", json={"message": "socks", "session_id": "abcdefgh\n"}),
               400, "bad_session_id")
    json_error(client.get("/api/chat/abcdefgh%0A"), 400, "bad_session_id")
    json_error(client.delete("/api/chat/abcdefgh%0A"), 400, "bad_session_id")


@pytest.mark.parametrize("limit", ["%C2%B2", "%D9%A3", "1%C2%B2", "", "-1", "0", "51", "1e1", "0x10"])
def test_a_limit_that_is_not_plain_ascii_digits_in_range_is_400(client: FlaskClient, limit: str) -> None:
    json_error(client.get(f"/api/products/search?q=shoes&limit={limit}"), 400, "bad_limit")


def test_a_json_body_nested_100000_deep_is_400(client: FlaskClient) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/chat", data=nested, content_type="application/json")
    json_error(response, 400, "bad_json")
    deep_object = '{"message": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"
    json_error(client.post("/api/chat", data=deep_object, content_type="application/json"), 400, "bad_json")


# ------------------------------------------------------------------ rate limit: whom it counts


def chat(client: FlaskClient, session: str, **headers: str) -> int:
    response = client.post("/api/chat", json={"message": "socks", "session_id": session}, headers=headers)
    return response.status_code


def test_rotating_session_ids_and_forwarded_for_does_not_lift_the_limit(make_app: AppFactory) -> None:
    client = make_app("testing", RATE_LIMIT_PER_MINUTE="3").test_client()
    codes = [chat(client, f"rotating-session-{n:04d}", **{"X-Forwarded-For": f"198.51.100.{n}"})
             for n in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_behind_n_proxies_the_hop_the_first_trusted_proxy_added_is_the_client(make_app: AppFactory) -> None:
    client = make_app("testing", RATE_LIMIT_PER_MINUTE="2", TRUSTED_PROXY_COUNT="2").test_client()
    # viewer -> CloudFront (appends the viewer) -> ALB (appends CloudFront) -> us
    spoofed = [chat(client, f"session-a{n}", **{"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.5, 130.176.0.1"})
               for n in range(3)]
    assert spoofed == [200, 200, 429]  # the client's own leftmost hop changes nothing
    other_viewer = chat(client, "session-bbbb", **{"X-Forwarded-For": "203.0.113.6, 130.176.0.1"})
    assert other_viewer == 200
    # Fewer hops than trusted proxies: it did not come through them; the TCP peer is counted.
    assert chat(client, "session-c1", **{"X-Forwarded-For": "203.0.113.99"}) == 200
    assert chat(client, "session-c2", **{"X-Forwarded-For": "203.0.113.98"}) == 200
    assert chat(client, "session-c3", **{"X-Forwarded-For": "203.0.113.97"}) == 429


def test_cloudfront_viewer_address_keys_the_limit_and_ipv6_counts_per_64(make_app: AppFactory) -> None:
    client = make_app("testing", RATE_LIMIT_PER_MINUTE="2",
                      CLIENT_ADDRESS_HEADER="CloudFront-Viewer-Address").test_client()
    header = "CloudFront-Viewer-Address"
    assert [chat(client, f"session-d{port}", **{header: f"203.0.113.7:{port}"}) for port in (1, 2, 3)] == [
        200, 200, 429]
    v6 = [chat(client, f"session-e{n}", **{header: f"2001:db8:1:2::{n}:443"}) for n in (1, 2, 3)]
    assert v6 == [200, 200, 429]  # one subscriber's /64 is one client
    assert chat(client, "session-ffff", **{header: "2001:db8:1:3::1:443"}) == 200


def test_on_lambda_the_limit_counts_the_source_ip_not_headers(make_app: AppFactory) -> None:
    handler = make_handler(make_app("lambda", RATE_LIMIT_PER_MINUTE="2"))
    codes = []
    for n in range(3):
        event = http_api_event("POST", "/api/chat", headers={"content-type": "application/json",
                                                             "x-forwarded-for": f"10.1.1.{n}, 203.0.113.7"},
                               body=json.dumps({"message": "socks", "session_id": f"lambda-session-{n}"}))
        codes.append(handler(event, FakeLambdaContext())["statusCode"])
    assert codes == [200, 200, 429]


def test_the_per_process_limiter_keeps_a_bounded_number_of_clients() -> None:
    limiter = RateLimiter(per_minute=5, max_clients=100)
    for n in range(20_000):
        limiter.check(f"198.51.{n // 256}.{n % 256}")
    assert len(limiter) == 100
    limiter.check("203.0.113.1")
    for _ in range(4):
        limiter.check("203.0.113.1")
    with pytest.raises(Exception, match="more than 5 chat requests a minute"):
        limiter.check("203.0.113.1")


def test_with_redis_the_limit_holds_across_processes(make_app: AppFactory, redis_url: str) -> None:
    # Two apps stand for two gunicorn workers (or two Lambda environments): one budget.
    first = make_app("testing", RATE_LIMIT_PER_MINUTE="3", REDIS_URL=redis_url).test_client()
    second = make_app("testing", RATE_LIMIT_PER_MINUTE="3", REDIS_URL=redis_url).test_client()
    codes = [chat(client, "session-shared") for client in (first, second, first, second, first)]
    assert codes == [200, 200, 200, 429, 429]
    import redis

    keys = redis.Redis.from_url(redis_url).keys("shopbot:rl:*")
    assert len(keys) == 1 and 0 < redis.Redis.from_url(redis_url).ttl(keys[0]) <= 120


def test_with_redis_down_the_limit_still_holds_per_process(make_app: AppFactory,
                                                           disposable_redis: RedisServer) -> None:
    client = make_app("testing", RATE_LIMIT_PER_MINUTE="2", REDIS_URL=disposable_redis.url,
                      REDIS_TIMEOUT_SECONDS="0.2").test_client()
    assert chat(client, "session-down") == 200
    disposable_redis.kill()
    codes = [client.post("/api/chat", json={"message": "socks"}).status_code for _ in range(3)]
    assert codes[-1] == 429  # answered (context unavailable) until the per-process budget runs out


# ------------------------------------------------------------------ in-memory store: capped


def test_the_in_memory_store_forgets_the_oldest_session_beyond_its_cap() -> None:
    store = MemoryContextStore(max_sessions=3)
    for n in range(10):
        store.append(f"session-{n}", [Turn("user", "hi", 0.0)])
    store.append("session-7", [Turn("user", "again", 0.0)])  # written again: newest now
    store.append("session-10", [Turn("user", "hi", 0.0)])
    assert len(store) == 3
    assert [len(store.history(f"session-{n}")) for n in (7, 9, 10)] == [2, 1, 1]
    assert store.history("session-8") == [] and store.history("session-0") == []


def test_the_cap_comes_from_the_environment(make_app: AppFactory) -> None:
    app = make_app("testing", CONTEXT_MAX_SESSIONS="2")
    client = app.test_client()
    sessions = [client.post("/api/chat", json={"message": "socks"}).json["session_id"] for _ in range(3)]
    assert client.get(f"/api/chat/{sessions[0]}").status_code == 404
    assert client.get(f"/api/chat/{sessions[2]}").status_code == 200
