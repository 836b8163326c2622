"""Fixtures for the bot's integration tests: the fake Messages API and bots pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shopbot.bot.claude import ClaudeBot
from shopbot.config import TestingConfig
from tests.fakes import FakeAnthropic, ListSearch


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake_anthropic(fake_server: FakeAnthropic) -> FakeAnthropic:
    """The module's fake Messages API, with an empty script and no recorded requests."""
    fake_server.reset()
    return fake_server


@pytest.fixture
def catalog() -> ListSearch:
    return ListSearch()


@pytest.fixture
def make_bot(fake_anthropic: FakeAnthropic, catalog: ListSearch) -> Callable[..., ClaudeBot]:
    """`make_bot(llm_timeout_seconds=..., ...)`: a ClaudeBot built from config, as the service does."""

    def make(**settings: Any) -> ClaudeBot:
        values: dict[str, Any] = {
            "anthropic_api_key": fake_anthropic.api_key,
            "anthropic_base_url": fake_anthropic.base_url,
            "llm_timeout_seconds": 5.0,
            "anthropic_model": "claude-test-model",  # a fake name: no SDK deprecation warning
            **settings,
        }
        config = dataclasses.replace(TestingConfig(), **values)
        return ClaudeBot.from_config(config, catalog)

    return make
