"""The real Anthropic API, only where a key is provided: SHOPBOT_LIVE_ANTHROPIC_API_KEY.

ANTHROPIC_MODEL picks the model (else the config's default).
"""

from __future__ import annotations

import os
import time

import pytest

from shopbot.bot.claude import ClaudeBot
from shopbot.config import TestingConfig as ConfigForTests  # "Test*" would be collected
from tests.fakes import ListSearch

KEY = os.environ.get("SHOPBOT_LIVE_ANTHROPIC_API_KEY")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not KEY, reason="SHOPBOT_LIVE_ANTHROPIC_API_KEY is not set"),
]


def test_real_claude_searches_the_catalog_and_names_a_product() -> None:
    config = ConfigForTests(anthropic_api_key=KEY, anthropic_model=os.environ.get("ANTHROPIC_MODEL")
                            or ConfigForTests().anthropic_model)
    search = ListSearch()

    reply = ClaudeBot.from_config(config, search).reply(
        "I need wireless headphones under $100", [], time.monotonic() + 60)

    assert search.queries, "the model never called search_products"
    assert any(p.category == "headphones" for p in reply.products)
    assert any(p.name.lower() in reply.text.lower() for p in reply.products)
