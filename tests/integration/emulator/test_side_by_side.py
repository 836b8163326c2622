"""Both targets as real processes on loopback with real Redis: the same requests to every
route give the same statuses, headers and bodies, less the documented platform differences."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from shopbot_cli.emulator.targets import RunningTarget, start_target

from tests.support import clean_env, free_port

# What each platform adds or owns (README "serve": platform differences). content-length is
# checked against each body instead: turn timestamps change the body's length by a digit.
PLATFORM_HEADERS = {"date", "server", "connection", "apigw-requestid", "keep-alive", "content-length"}
TARGET_HEADER = "x-shopbot-target"  # names the target that answered: ecs vs lambda by design


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory, redis_server: Any) -> Iterator[dict[str, RunningTarget]]:
    logs = tmp_path_factory.mktemp("side_by_side")
    env = clean_env(REDIS_URL=redis_server.url)
    started: dict[str, RunningTarget] = {}
    with Path(logs, "ecs.log").open("wb") as ecs_log, Path(logs, "lambda.log").open("wb") as lambda_log:
        try:
            started["ecs"] = start_target("ecs", free_port(), env, args=["--workers", "1", "--threads", "2"],
                                          output=ecs_log)
            started["lambda"] = start_target("lambda", free_port(), env, args=["--concurrency", "1"],
                                             output=lambda_log)
            yield started
        finally:
            for running in started.values():
                running.stop()


def without_times(value: Any) -> Any:
    """Turn timestamps (`at`) differ between any two runs."""
    if isinstance(value, dict):
        return {key: "<time>" if key == "at" else without_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_times(item) for item in value]
    return value


def normalized(response: requests.Response, session_ids: list[str]) -> dict[str, Any]:
    """Status, headers less platform noise, body with session ids and times replaced."""
    assert int(response.headers["content-length"]) == len(response.content)
    text = response.text
    headers = {name.lower(): value for name, value in response.headers.items()}
    if "allow" in headers:  # Flask lists methods in set order, which varies per process (hash seed)
        headers["allow"] = ", ".join(sorted(headers["allow"].split(", ")))
    for index, session_id in enumerate(session_ids):
        text = text.replace(session_id, f"<session-{index}>")
    target = headers.pop(TARGET_HEADER)
    is_json = headers.get("content-type", "").startswith("application/json")
    body: Any = without_times(json.loads(text)) if is_json else text
    return {
        "status": response.status_code,
        "target": target,
        "headers": {name: value for name, value in headers.items() if name not in PLATFORM_HEADERS},
        "body": body,
    }


def conversation(base: str) -> list[dict[str, Any]]:
    """Every route, good and bad input, one chat conversation from start to delete."""
    session = requests.Session()
    answers: list[requests.Response] = []

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        response = session.request(method, f"{base}{path}", timeout=30, **kwargs)
        answers.append(response)
        return response

    call("GET", "/health")
    call("GET", "/health/ready")
    call("GET", "/api/products/search?q=running%20shoes&limit=3")
    call("GET", "/api/products/search?q=tent&limit=abc")
    first = call("POST", "/api/chat", json={"message": "I need running shoes"})
    session_id = first.json()["session_id"]
    call("POST", "/api/chat", json={"message": "something cheaper please", "session_id": session_id})
    call("GET", f"/api/chat/{session_id}")
    call("DELETE", f"/api/chat/{session_id}")
    call("GET", f"/api/chat/{session_id}")
    call("POST", "/api/chat", data="{not json", headers={"Content-Type": "application/json"})
    call("POST", "/api/chat", json={"session_id": "x"})
    call("GET", "/api/chat/abcdefgh%2541")  # `%41` on both: API Gateway decodes the path once, the handler not again
    call("GET", "/no/such/route")
    call("POST", "/health")
    return [normalized(response, [session_id]) for response in answers]


def test_every_route_answers_the_same_on_both_targets(targets: dict[str, RunningTarget], redis_server: Any) -> None:
    ecs = conversation(targets["ecs"].url)
    lam = conversation(targets["lambda"].url)
    assert [answer["target"] for answer in ecs] == ["ecs"] * len(ecs)
    assert [answer["target"] for answer in lam] == ["lambda"] * len(lam)
    for index, (on_ecs, on_lambda) in enumerate(zip(ecs, lam, strict=True)):
        on_ecs.pop("target"), on_lambda.pop("target")
        assert on_lambda == on_ecs, f"request #{index} differs"
    statuses = [answer["status"] for answer in ecs]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] in (404, 405)  # the conversation really ran
    assert ecs[4]["body"]["reply"]  # a deterministic reply from the offline responder, same on both


def test_conversations_live_in_the_shared_redis(targets: dict[str, RunningTarget], redis_server: Any) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    ids = {}
    for name, running in targets.items():
        reply = requests.post(f"{running.url}/api/chat", json={"message": "a tent for two"}, timeout=30)
        ids[name] = reply.json()["session_id"]
    keys = b" ".join(key for key in client.keys("*") if isinstance(key, bytes))
    assert all(session_id.encode() in keys for session_id in ids.values())
    # A conversation started on ECS continues on Lambda: the cutover keeps shoppers' sessions.
    moved = requests.get(f"{targets['lambda'].url}/api/chat/{ids['ecs']}", timeout=30)
    assert moved.status_code == 200
    assert len(moved.json()["turns"]) >= 2
