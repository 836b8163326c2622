"""Management commands through the Lambda handler: only a direct Invoke's shape, only safe commands."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shopbot.lambda_handler import make_handler
from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.conftest import RedisServer
from tests.fakes.elasticsearch_server import FakeElasticsearch, fake_elasticsearch
from tests.integration.service.conftest import AppFactory

__all__ = ["fake_elasticsearch"]


def _handler(make_app: AppFactory, **env: str) -> Any:
    handler = make_handler(make_app("lambda", **env))
    return lambda event: handler(event, FakeLambdaContext())


def _command(*argv: str) -> dict[str, Any]:
    return {"shopbot_invoke": {"argv": list(argv)}}


def test_a_registered_command_runs_and_returns_output_and_status(make_app: AppFactory) -> None:
    answer = _handler(make_app)(_command("flask", "routes"))
    assert answer["ok"] is True and answer["exit_code"] == 0 and answer["command"] == ["routes"]
    assert "/api/chat" in answer["output"] and "/health/ready" in answer["output"]


def test_check_ready_exit_status_follows_the_dependencies(make_app: AppFactory, disposable_redis: RedisServer) -> None:
    invoke = _handler(make_app, REDIS_URL=disposable_redis.url)
    up = invoke(_command("flask", "check-ready"))
    assert (up["exit_code"], up["output"]) == (0, "context: ok\nsearch: ok\n")
    disposable_redis.kill()
    down = invoke(_command("flask", "check-ready"))
    assert down["exit_code"] == 1 and down["output"].startswith("context: ") and "context: ok" not in down["output"]


def test_load_catalog_loads_into_the_configured_index(make_app: AppFactory,
                                                      fake_elasticsearch: FakeElasticsearch) -> None:
    answer = _handler(make_app, ELASTICSEARCH_URL=fake_elasticsearch.url, ES_INDEX="shop")(
        _command("flask", "load-catalog"))
    assert answer["exit_code"] == 0, answer["output"]
    loaded = len(fake_elasticsearch.documents("shop"))
    assert loaded > 100 and f"loaded {loaded} products into 'shop'" in answer["output"]
    without = _handler(make_app)(_command("flask", "load-catalog"))
    assert without["exit_code"] == 2 and "ELASTICSEARCH_URL is not set" in without["output"]


@pytest.mark.parametrize("argv", [["flask", "shell"], ["flask", "run"], ["rm", "-rf", "/"], ["flask"]])
def test_unregistered_commands_are_refused(make_app: AppFactory, argv: list[str]) -> None:
    answer = _handler(make_app)(_command(*argv))
    assert answer["ok"] is False and answer["error"] == "not_registered"
    assert answer["registered"] == ["check-ready", "load-catalog", "routes"]


@pytest.mark.parametrize("request_body", [None, "routes", {"argv": "routes"}, {"argv": []}, {"argv": [1, 2]},
                                          {"argv": ["routes"] * 65}])
def test_malformed_invocations_are_refused(make_app: AppFactory, request_body: Any) -> None:
    answer = _handler(make_app)({"shopbot_invoke": request_body})
    assert answer["ok"] is False and answer["error"] == "bad_request"


def test_an_http_event_never_runs_a_command(make_app: AppFactory) -> None:
    event = http_api_event("GET", "/health")
    event["shopbot_invoke"] = {"argv": ["flask", "routes"]}       # smuggled next to an HTTP request
    answer = _handler(make_app)(event)
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"status": "ok"}
