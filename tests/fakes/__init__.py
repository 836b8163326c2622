"""Local stand-ins for external services, reusable by every test suite.

- `anthropic_server`: `FakeAnthropic`, an HTTP server speaking the Messages API (see its
  docstring), plus `Reply`, `text_reply`, `tool_use_reply`, `error_reply`, `shopping_model`.
- `products`: `ListSearch`, an in-memory `ProductSearch` over a few `PRODUCTS`.
"""

from .anthropic_server import (
    API_KEY,
    FakeAnthropic,
    RecordedRequest,
    Reply,
    error_reply,
    shopping_model,
    text_reply,
    tool_use_reply,
)
from .products import PRODUCTS, ListSearch

__all__ = [
    "API_KEY",
    "PRODUCTS",
    "FakeAnthropic",
    "ListSearch",
    "RecordedRequest",
    "Reply",
    "error_reply",
    "shopping_model",
    "text_reply",
    "tool_use_reply",
]
