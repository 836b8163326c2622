"""The fake Messages API itself: other suites rely on it behaving like the real one."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from shopbot.bot.claude import ClaudeBot
from tests.fakes import FakeAnthropic, shopping_model, text_reply, tool_use_reply

HEADERS = {"anthropic-version": "2023-06-01", "content-type": "application/json"}
BODY = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


def post(fake: FakeAnthropic, body: object, **headers: str) -> requests.Response:
    sent = {**HEADERS, "x-api-key": fake.api_key, **headers}
    return requests.post(f"{fake.base_url}/v1/messages", json=body, headers=sent, timeout=5)


def test_a_message_has_the_real_shape(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(text_reply("Hello!"))

    answer = post(fake_anthropic, BODY)

    assert answer.status_code == 200 and answer.headers["request-id"]
    message = answer.json()
    assert message["id"].startswith("msg_") and message["type"] == "message"
    assert message["role"] == "assistant" and message["model"] == "m"
    assert message["content"] == [{"type": "text", "text": "Hello!"}]
    assert message["stop_reason"] == "end_turn" and message["stop_sequence"] is None
    assert message["usage"]["input_tokens"] > 0 and message["usage"]["output_tokens"] > 0


def test_requests_are_checked_like_the_real_api(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.otherwise(text_reply("never"))
    wrong_key = post(fake_anthropic, BODY, **{"x-api-key": "sk-ant-wrong"})
    no_version = requests.post(f"{fake_anthropic.base_url}/v1/messages", json=BODY, timeout=5,
                               headers={"x-api-key": fake_anthropic.api_key})
    missing_field = post(fake_anthropic, {"model": "m", "messages": []})
    unpaired = post(fake_anthropic, {**BODY, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "x", "input": {}}]},
        {"role": "user", "content": "and?"}]})
    wrong_path = requests.get(f"{fake_anthropic.base_url}/v1/models", headers=HEADERS, timeout=5)

    assert wrong_key.status_code == 401
    assert wrong_key.json() == {"type": "error", "error": {"type": "authentication_error",
                                                           "message": "invalid x-api-key"}}
    assert no_version.status_code == 400 and "anthropic-version" in no_version.json()["error"]["message"]
    assert missing_field.status_code == 400 and "max_tokens" in missing_field.json()["error"]["message"]
    assert unpaired.status_code == 400 and "tool_result" in unpaired.json()["error"]["message"]
    assert wrong_path.json()["error"]["type"] == "not_found_error"
    assert len(fake_anthropic.requests) == 5  # rejected requests are recorded too


def test_nothing_scripted_answers_a_loud_500(fake_anthropic: FakeAnthropic) -> None:
    answer = post(fake_anthropic, BODY)

    assert answer.status_code == 500 and "nothing scripted" in answer.json()["error"]["message"]


def test_callables_script_dynamic_replies(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(lambda request: text_reply(f"you said {request.last_user_text()}"))

    assert post(fake_anthropic, BODY).json()["content"][0]["text"] == "you said hi"


def test_tool_use_ids_are_filled_in(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(tool_use_reply("search_products", {"query": "tent"}))

    block = post(fake_anthropic, BODY).json()["content"][0]

    assert block["type"] == "tool_use" and block["id"].startswith("toolu_")


def test_shopping_model_drives_a_whole_chat(fake_anthropic: FakeAnthropic,
                                            make_bot: Callable[..., ClaudeBot]) -> None:
    fake_anthropic.otherwise(shopping_model)

    reply = make_bot().reply("backpack", [], time.monotonic() + 10)

    assert reply.text == "Here is what I found: Summit 30L Backpack ($95.00)."
    assert [p.id for p in reply.products] == ["bp-1"]
