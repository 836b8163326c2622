"""The conversation engine: Claude with a product-search tool, or an offline responder.

`build_bot` returns the Anthropic-backed bot when an API key is configured, else the
deterministic offline responder that uses the same search tool, so the service works
with no network. `anthropic` is imported only when it is used (cold starts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..search import Product

if TYPE_CHECKING:
    from ..config import Config
    from ..context import Turn
    from ..search import ProductSearch


@dataclass
class BotReply:
    text: str
    products: list[Product] = field(default_factory=list)


class Bot(Protocol):
    def reply(self, message: str, history: list[Turn], deadline: float) -> BotReply:
        """Answer `message` given earlier turns; `deadline` is a time.monotonic() instant
        after which no further LLM call or retry may start."""
        ...


def build_bot(config: Config, search: ProductSearch) -> Bot:
    if config.anthropic_api_key:
        from .claude import ClaudeBot

        return ClaudeBot.from_config(config, search)
    from .offline import OfflineResponder

    return OfflineResponder(search)
