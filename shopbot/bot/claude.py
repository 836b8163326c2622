"""Claude through the real `anthropic` SDK, with the `search_products` tool.

The model asks for a search, the service runs it and sends the results back, the model
answers; the products the searches found go back to the shopper with the text. Every
call is bounded by the request's deadline: retries (429, 529, 5xx, connection errors,
timeouts) back off exponentially with jitter and honour `retry-after`, but no call and
no sleep starts that could not finish before the deadline.

This is the only module that imports `anthropic` (~750 ms): it is loaded on first use.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import anthropic
from anthropic.types import Message, MessageParam, ToolParam, ToolResultBlockParam

from ..errors import DependencyUnavailable, UpstreamError
from . import BotReply
from .tools import SEARCH_TOOL, SEARCH_TOOL_NAME, ToolRun, run_search_tool

if TYPE_CHECKING:
    from ..config import Config
    from ..context import Turn
    from ..search import Product, ProductSearch

log = logging.getLogger("shopbot.bot")

SYSTEM_PROMPT = """You are Shopbot, the shopping assistant of an online shop.
Help the shopper find products that fit what they want and their budget.
- Whenever the shopper asks about products, call the search_products tool first; pass a \
budget as max_price. Search again with other words if the results do not fit.
- Recommend only products the tool returned. Never invent products, prices or stock.
- Name each product you recommend with its price; mention when it is out of stock.
- If nothing fits, say so and suggest other words or a different budget.
- Be friendly and brief: a short sentence, then at most five products, one per line."""

MAX_TOOL_ROUNDS = 3          # searches per shopper message; then the model must answer
MIN_CALL_SECONDS = 0.2       # a call with less time left than this cannot succeed: give up
RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))
BUSY = "the assistant is busy, try again in a moment"


class ClaudeBot:
    """A `Bot` backed by the Messages API; thread-safe (no per-request state)."""

    def __init__(
        self,
        client: anthropic.Anthropic,
        search: ProductSearch,
        *,
        model: str,
        max_tokens: int,
        timeout_seconds: float,
        max_retries: int,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
    ) -> None:
        self.client = client
        self.search = search
        self.model = model
        self.max_tokens = max_tokens
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap

    @classmethod
    def from_config(cls, config: Config, search: ProductSearch) -> ClaudeBot:
        client = anthropic.Anthropic(
            api_key=config.anthropic_api_key,
            base_url=config.anthropic_base_url,
            max_retries=0,  # retries are ours: they must respect the request's deadline
            timeout=config.llm_timeout_seconds,
        )
        return cls(
            client,
            search,
            model=config.anthropic_model,
            max_tokens=config.anthropic_max_tokens,
            timeout_seconds=config.llm_timeout_seconds,
            max_retries=config.llm_max_retries,
        )

    def reply(self, message: str, history: list[Turn], deadline: float) -> BotReply:
        messages = to_messages(history, message)
        found: dict[str, Product] = {}
        rounds = 0
        while True:
            response = self._create(messages, deadline, allow_tools=rounds < MAX_TOOL_ROUNDS)
            tool_uses = [b for b in response.content if b.type == "tool_use"]
            if response.stop_reason != "tool_use" or not tool_uses or rounds >= MAX_TOOL_ROUNDS:
                break
            rounds += 1
            messages.append({"role": "assistant", "content": _assistant_blocks(response)})
            results: list[ToolResultBlockParam] = []
            for block in tool_uses:
                run = self._run_tool(block.name, block.input)
                for product in run.products:
                    found.setdefault(product.id, product)
                results.append({"type": "tool_result", "tool_use_id": block.id, "content": run.content,
                                "is_error": run.is_error})
            messages.append({"role": "user", "content": results})
        text = "".join(b.text for b in response.content if b.type == "text").strip()
        if not text:
            raise UpstreamError(f"the assistant gave no answer (stop reason {response.stop_reason}); "
                                "try rephrasing")
        return BotReply(text, list(found.values()))

    def _run_tool(self, name: str, tool_input: dict[str, object]) -> ToolRun:
        if name != SEARCH_TOOL_NAME:
            return ToolRun(f"error: unknown tool {name!r}; the only tool is {SEARCH_TOOL_NAME}", [], True)
        return run_search_tool(self.search, tool_input)

    def _create(self, messages: list[MessageParam], deadline: float, allow_tools: bool) -> Message:
        """One Messages API call, retried while the deadline and retry budget allow."""
        tools = [cast(ToolParam, SEARCH_TOOL)]
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left < MIN_CALL_SECONDS:
                raise DependencyUnavailable(BUSY)
            try:
                return self.client.messages.create(
                    model=self.model,
                    max_tokens=self.max_tokens,
                    system=SYSTEM_PROMPT,
                    messages=messages,
                    tools=tools,
                    tool_choice={"type": "auto"} if allow_tools else {"type": "none"},
                    timeout=min(self.timeout_seconds, left),
                )
            except anthropic.APIStatusError as error:
                if error.status_code not in RETRYABLE_STATUS:
                    log.warning("anthropic rejected the request: %s %s (request id %s)",
                                error.status_code, error.type, error.request_id)
                    raise UpstreamError(_rejection(error.status_code, error.type)) from None
                reason = f"{error.status_code} {error.type}"
                asked = retry_after(error.response.headers)
                wait = self._backoff(attempt) if asked is None else asked
            except anthropic.APIConnectionError as error:  # includes APITimeoutError
                reason = "timeout" if isinstance(error, anthropic.APITimeoutError) else "connection error"
                wait = self._backoff(attempt)
            attempt += 1
            if attempt > self.max_retries or time.monotonic() + wait + MIN_CALL_SECONDS > deadline:
                log.warning("anthropic unavailable after %d attempt(s): %s", attempt, reason)
                raise DependencyUnavailable(BUSY) from None
            log.info("anthropic call failed (%s); retry %d in %.2fs", reason, attempt, wait)
            time.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so callers spread out."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def to_messages(history: list[Turn], message: str) -> list[MessageParam]:
    """History as alternating user/assistant messages ending with the new user message."""
    turns: list[tuple[str, str]] = [(t.role, t.content) for t in history if t.content.strip()]
    turns.append(("user", message))
    while turns and turns[0][0] != "user":
        turns.pop(0)  # the API wants the conversation to open with the shopper
    merged: list[tuple[str, str]] = []
    for role, content in turns:
        if merged and merged[-1][0] == role:
            merged[-1] = (role, merged[-1][1] + "\n\n" + content)
        else:
            merged.append((role, content))
    return [{"role": "user", "content": c} if r == "user" else {"role": "assistant", "content": c}
            for r, c in merged]


def _assistant_blocks(response: Message) -> list[Any]:
    """The model's turn as request blocks (text and tool_use), to send back with the results."""
    blocks: list[dict[str, Any]] = []
    for block in response.content:
        if block.type == "text":
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    return blocks


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` seconds or date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is not None:
            try:
                return max(0.0, float(raw) * scale)
            except ValueError:
                pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _rejection(status: int, kind: str | None) -> str:
    hints = {401: "check ANTHROPIC_API_KEY", 403: "the API key may not use this model",
             404: "check ANTHROPIC_MODEL and ANTHROPIC_BASE_URL", 413: "the conversation is too long"}
    hint = hints.get(status, "the request was not accepted")
    return f"the assistant rejected the request ({status} {kind or 'error'}): {hint}"
