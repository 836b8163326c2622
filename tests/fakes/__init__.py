"""Local stand-ins for external services, reusable by every test suite.

- `anthropic_server`: `FakeAnthropic`, an HTTP server speaking the Messages API (see its
  docstring), plus `Reply`, `text_reply`, `tool_use_reply`, `error_reply`, `shopping_model`.
- `products`: `ListSearch`, an in-memory `ProductSearch` over a few `PRODUCTS`.
- `elasticsearch_server`: `FakeElasticsearch`, an HTTP server answering the Elasticsearch
  calls the real client makes (see its docstring), and the `fake_elasticsearch` fixture.
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
from .elasticsearch_server import EsRequest, FakeElasticsearch
from .products import PRODUCTS, ListSearch

__all__ = [
    "API_KEY",
    "PRODUCTS",
    "EsRequest",
    "FakeAnthropic",
    "FakeElasticsearch",
    "ListSearch",
    "RecordedRequest",
    "Reply",
    "error_reply",
    "shopping_model",
    "text_reply",
    "tool_use_reply",
]
