"""The service's chat route with the real Claude bot: the real SDK against a local
server speaking the Messages API, on both targets."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from shopbot.lambda_handler import make_handler
from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic, error_reply, shopping_model
from tests.integration.service.conftest import AppFactory


@pytest.fixture
def claude() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        fake.otherwise(shopping_model)
        yield fake


def test_chat_asks_claude_which_searches_the_catalog(make_app: AppFactory, claude: FakeAnthropic) -> None:
    client = make_app("production", ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=claude.base_url).test_client()
    answer = client.post("/api/chat", json={"message": "I want a tent for camping"})
    assert answer.status_code == 200, answer.json
    assert answer.json["products"], "the products the model's search found are suggested"
    tool_results = [r.tool_results() for r in claude.requests if r.tool_results()]
    assert tool_results, "the SDK sent the search results back to the model"
    names = {p["name"] for p in answer.json["products"]}
    assert any(name in json.dumps(tool_results) for name in names)


def test_both_targets_give_the_same_claude_answer(make_app: AppFactory, claude: FakeAnthropic) -> None:
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": claude.base_url}
    direct = make_app("production", **env).test_client().post(
        "/api/chat", json={"message": "wireless headphones", "session_id": "claude-parity"}).json
    handler = make_handler(make_app("lambda", **env))
    event = http_api_event("POST", "/api/chat", headers={"content-type": "application/json"},
                           body=json.dumps({"message": "wireless headphones", "session_id": "claude-parity"}))
    via_lambda = json.loads(handler(event, FakeLambdaContext())["body"])
    assert via_lambda == direct


def test_an_overloaded_model_answers_503_in_the_error_shape(make_app: AppFactory, claude: FakeAnthropic) -> None:
    claude.otherwise(error_reply(529))
    client = make_app("production", ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=claude.base_url,
                      REQUEST_DEADLINE_SECONDS="1.5").test_client()
    answer = client.post("/api/chat", json={"message": "tent"})
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "dependency_unavailable"
    assert API_KEY not in answer.get_data(as_text=True)
