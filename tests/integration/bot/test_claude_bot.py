"""ClaudeBot through the real anthropic SDK against a local server speaking the Messages API."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest

from shopbot.bot import build_bot
from shopbot.bot.claude import MAX_TOOL_ROUNDS, SYSTEM_PROMPT, ClaudeBot
from shopbot.bot.offline import OfflineResponder
from shopbot.config import TestingConfig as ConfigForTests  # "Test*" would be collected
from shopbot.context import Turn
from shopbot.errors import DependencyUnavailable, UpstreamError
from tests.fakes import FakeAnthropic, ListSearch, error_reply, text_reply, tool_use_reply
from tests.support import free_port

MakeBot = Callable[..., ClaudeBot]
SLACK = 1.0  # seconds: the machine is shared, timing bounds stay generous


def in_seconds(seconds: float) -> float:
    return time.monotonic() + seconds


def test_tool_use_round_trip_searches_and_returns_the_products(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot, catalog: ListSearch
) -> None:
    fake_anthropic.script(
        tool_use_reply("search_products", {"query": "wireless headphones", "max_price": 100},
                       text="Let me look."),
        text_reply("The Pulse Sport Earbuds ($59.99) are a great wireless pick under $100."),
    )
    bot = make_bot(anthropic_model="claude-chosen-model", anthropic_max_tokens=321)

    reply = bot.reply("wireless headphones under $100 please", [], in_seconds(10))

    assert reply.text == "The Pulse Sport Earbuds ($59.99) are a great wireless pick under $100."
    assert [p.id for p in reply.products] == ["hp-2", "hp-3", "hp-4"]  # hp-1 costs 129
    assert all(p.price <= 100 for p in reply.products)
    first, second = fake_anthropic.requests
    assert first.body["model"] == "claude-chosen-model"
    assert first.body["max_tokens"] == 321
    assert first.body["system"] == SYSTEM_PROMPT
    assert first.body["messages"] == [{"role": "user", "content": "wireless headphones under $100 please"}]
    assert [t["name"] for t in first.body["tools"]] == ["search_products"]
    assert first.body["tools"][0]["input_schema"]["required"] == ["query"]
    assert first.headers["anthropic-version"]
    # The SDK sent the model's tool call back with a tool_result carrying the search results.
    tool_use = second.messages[1]["content"][-1]
    assert tool_use["type"] == "tool_use" and tool_use["name"] == "search_products"
    [result] = second.tool_results()
    assert result["tool_use_id"] == tool_use["id"]
    assert result["is_error"] is False
    payload = json.loads(result["content"])
    assert [r["name"] for r in payload["results"]] == [
        "Pulse Sport Earbuds", "Studio Wired Headphones", "Budget Buds Headphones"]
    assert payload["results"][0]["price"] == 59.99
    assert catalog.queries[0][0] == "wireless headphones"


def test_history_is_sent_as_alternating_messages(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.script(text_reply("Sure, here are cheaper ones."))
    history = [
        Turn("assistant", "Welcome!", 1.0),  # the API wants the shopper first: dropped
        Turn("user", "show me headphones", 2.0),
        Turn("assistant", "Here are some headphones.", 3.0),
    ]

    make_bot().reply("anything cheaper?", history, in_seconds(10))

    assert fake_anthropic.requests[0].messages == [
        {"role": "user", "content": "show me headphones"},
        {"role": "assistant", "content": "Here are some headphones."},
        {"role": "user", "content": "anything cheaper?"},
    ]


def test_products_from_several_searches_are_de_duplicated(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot
) -> None:
    fake_anthropic.script(
        tool_use_reply("search_products", {"query": "headphones", "limit": 2}),
        tool_use_reply("search_products", {"query": "wireless headphones"}),
        text_reply("Here you go."),
    )

    reply = make_bot().reply("headphones", [], in_seconds(10))

    ids = [p.id for p in reply.products]
    assert len(ids) == len(set(ids))
    assert set(ids) == {"hp-1", "hp-2", "hp-3", "hp-4"}
    assert len(fake_anthropic.requests) == 3


def test_tool_rounds_are_bounded_then_the_model_must_answer(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot
) -> None:
    fake_anthropic.otherwise(tool_use_reply("search_products", {"query": "tent"}, text="Checking the tents."))

    reply = make_bot().reply("tent", [], in_seconds(10))

    assert reply.text == "Checking the tents."
    assert [p.id for p in reply.products] == ["tn-1"]
    assert len(fake_anthropic.requests) == MAX_TOOL_ROUNDS + 1
    assert fake_anthropic.requests[-1].body["tool_choice"] == {"type": "none"}
    assert fake_anthropic.requests[0].body["tool_choice"] == {"type": "auto"}


def test_bad_tool_input_and_unknown_tools_are_reported_to_the_model(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot
) -> None:
    fake_anthropic.script(
        tool_use_reply("search_products", {"query": ""}),
        tool_use_reply("delete_everything", {}),
        text_reply("What would you like to find?"),
    )

    reply = make_bot().reply("hmm", [], in_seconds(10))

    assert reply.text == "What would you like to find?" and reply.products == []
    bad_query = fake_anthropic.requests[1].tool_results()[0]
    unknown = fake_anthropic.requests[2].tool_results()[0]
    assert bad_query["is_error"] is True and "query" in bad_query["content"]
    assert unknown["is_error"] is True and "unknown tool" in unknown["content"]


def test_429_is_retried_after_the_retry_after_the_server_asked_for(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot
) -> None:
    fake_anthropic.script(error_reply(429, retry_after=1), text_reply("Back again: what are you after?"))

    reply = make_bot().reply("hello", [], in_seconds(10))

    assert reply.text == "Back again: what are you after?"
    first, second = fake_anthropic.requests
    # Our own backoff would wait 0.25-0.5 s here: 1 s means retry-after was honoured.
    assert second.at - first.at >= 0.95


def test_5xx_is_retried_with_backoff(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.script(error_reply(500), error_reply(503), text_reply("Recovered."))

    assert make_bot().reply("hello", [], in_seconds(10)).text == "Recovered."
    assert len(fake_anthropic.requests) == 3


def test_529_until_the_deadline_gives_up_in_time(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.otherwise(error_reply(529))
    bot = make_bot(llm_max_retries=100)  # only the deadline bounds the retries
    deadline = in_seconds(2.5)

    with pytest.raises(DependencyUnavailable, match="busy") as caught:
        bot.reply("hello", [], deadline)

    assert time.monotonic() <= deadline + SLACK
    assert caught.value.status == 503
    assert len(fake_anthropic.requests) >= 3
    assert all(request.at < deadline for request in fake_anthropic.requests)


def test_529_stops_after_the_configured_retries(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.otherwise(error_reply(529))

    with pytest.raises(DependencyUnavailable):
        make_bot(llm_max_retries=1).reply("hello", [], in_seconds(20))

    assert len(fake_anthropic.requests) == 2


def test_retry_after_beyond_the_deadline_fails_at_once(
    fake_anthropic: FakeAnthropic, make_bot: MakeBot
) -> None:
    fake_anthropic.otherwise(error_reply(429, retry_after=30))
    started = time.monotonic()

    with pytest.raises(DependencyUnavailable):
        make_bot().reply("hello", [], in_seconds(5))

    assert time.monotonic() - started < SLACK
    assert len(fake_anthropic.requests) == 1


def test_slow_server_times_out_quickly(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.otherwise(text_reply("too late", delay=10))
    started = time.monotonic()

    with pytest.raises(DependencyUnavailable, match="busy"):
        make_bot(llm_timeout_seconds=0.5, llm_max_retries=0).reply("hello", [], in_seconds(20))

    assert time.monotonic() - started < 0.5 + SLACK


def test_each_call_timeout_is_cut_to_the_time_left(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.otherwise(text_reply("too late", delay=10))
    deadline = in_seconds(1.0)

    with pytest.raises(DependencyUnavailable):
        make_bot(llm_timeout_seconds=20.0, llm_max_retries=5).reply("hello", [], deadline)

    assert time.monotonic() <= deadline + SLACK


def test_unreachable_api_is_unavailable_within_the_deadline(make_bot: MakeBot) -> None:
    bot = make_bot(anthropic_base_url=f"http://127.0.0.1:{free_port()}", llm_max_retries=100)
    deadline = in_seconds(1.5)

    with pytest.raises(DependencyUnavailable):
        bot.reply("hello", [], deadline)

    assert time.monotonic() <= deadline + SLACK


def test_a_deadline_already_past_makes_no_call(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    with pytest.raises(DependencyUnavailable):
        make_bot().reply("hello", [], time.monotonic())

    assert fake_anthropic.requests == []


def test_400_is_an_upstream_error_and_not_retried(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.otherwise(error_reply(400, "messages: text content blocks must be non-empty"))

    with pytest.raises(UpstreamError, match="400 invalid_request_error") as caught:
        make_bot().reply("hello", [], in_seconds(10))

    assert caught.value.status == 502
    assert "non-empty" not in caught.value.message  # the API's text may quote the request
    assert len(fake_anthropic.requests) == 1


def test_an_empty_answer_is_an_upstream_error(fake_anthropic: FakeAnthropic, make_bot: MakeBot) -> None:
    fake_anthropic.script(text_reply("", stop_reason="max_tokens"))

    with pytest.raises(UpstreamError, match="no answer"):
        make_bot().reply("hello", [], in_seconds(10))


CANARY = "canary.secret.5f0c1e2d9b8a7f6e"


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [("wrong key", UpstreamError), ("bad request", UpstreamError), ("overloaded", DependencyUnavailable),
     ("slow", DependencyUnavailable)],
)
def test_the_api_key_never_appears_in_errors_or_logs(
    caplog: pytest.LogCaptureFixture, scenario: str, expected: type[Exception]
) -> None:
    caplog.set_level(logging.DEBUG)
    replies = {"bad request": error_reply(400, f"bad key {CANARY}"), "overloaded": error_reply(529),
               "slow": text_reply("late", delay=10), "wrong key": text_reply("never sent")}
    with FakeAnthropic(api_key="sk-ant-the-right-key" if scenario == "wrong key" else CANARY) as fake:
        fake.otherwise(replies[scenario])
        config = ConfigForTests(anthropic_api_key=CANARY, anthropic_base_url=fake.base_url, anthropic_model="m",
                               llm_timeout_seconds=0.3, llm_max_retries=1)

        with pytest.raises(expected) as caught:
            ClaudeBot.from_config(config, ListSearch()).reply("hello", [], in_seconds(5))

    assert fake.requests[0].api_key == CANARY  # the key was really sent
    error = caught.value
    assert CANARY not in str(error) and CANARY not in repr(error)
    assert error.__cause__ is None and error.__suppress_context__  # no SDK error chained for display
    assert CANARY not in caplog.text
    if scenario == "wrong key":
        assert "ANTHROPIC_API_KEY" in str(error)


def test_build_bot_picks_claude_with_a_key_and_offline_without() -> None:
    search = ListSearch()
    assert isinstance(build_bot(ConfigForTests(anthropic_api_key="sk-ant-x"), search), ClaudeBot)
    assert isinstance(build_bot(ConfigForTests(), search), OfflineResponder)
