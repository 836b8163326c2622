"""The `search_products` tool: its Messages API schema and the code that runs it.

Both bots use it - Claude asks for it by name, the offline responder calls it directly -
so a shopper gets the same products whichever bot answers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..search import Product, ProductSearch

SEARCH_TOOL_NAME = "search_products"
DEFAULT_LIMIT = 5
MAX_LIMIT = 10
# With a price cap the backend is asked for more candidates, then filtered: the
# search protocol has no price filter of its own.

SEARCH_TOOL: dict[str, Any] = {
    "name": SEARCH_TOOL_NAME,
    "description": (
        "Search the shop's product catalog. Returns the best matching products, best first, "
        "with id, name, brand, category, price, currency, rating and stock. Use it whenever the "
        "shopper asks about products; recommend only products it returns."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "query": {
                "type": "string",
                "description": "What the shopper wants, as search words, e.g. 'wireless headphones'.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "description": f"How many products to return (default {DEFAULT_LIMIT}).",
            },
            "max_price": {
                "type": "number",
                "minimum": 0,
                "description": "Only products at or below this price (the shopper's budget).",
            },
        },
        "required": ["query"],
    },
}


class ToolRun(NamedTuple):
    """What one tool call produced: the text the model reads, and the products behind it."""

    content: str
    products: list[Product]
    is_error: bool = False


def format_price(product: Product) -> str:
    if product.currency.upper() == "USD":
        return f"${product.price:,.2f}"
    return f"{product.price:,.2f} {product.currency.upper()}"


def search_products(
    search: ProductSearch, query: str, limit: int = DEFAULT_LIMIT, max_price: float | None = None
) -> list[Product]:
    """The best `limit` matches for `query` at or below `max_price` (the backend filters)."""
    return search.search(query, max(1, min(limit, MAX_LIMIT)), max_price)


def run_search_tool(search: ProductSearch, tool_input: Mapping[str, object]) -> ToolRun:
    """Validate the model's tool input, search, and describe the results as JSON."""
    query = tool_input.get("query")
    if not isinstance(query, str) or not query.strip():
        return ToolRun("error: 'query' must be a non-empty string", [], is_error=True)
    limit = tool_input.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        return ToolRun("error: 'limit' must be an integer between 1 and 10", [], is_error=True)
    max_price = tool_input.get("max_price")
    if max_price is not None and (
        isinstance(max_price, bool) or not isinstance(max_price, int | float) or max_price < 0
    ):
        return ToolRun("error: 'max_price' must be a number of at least 0", [], is_error=True)
    cap = None if max_price is None else float(max_price)
    products = search_products(search, query.strip(), int(limit), cap)
    return ToolRun(describe_results(query.strip(), products, cap), products)


def describe_results(query: str, products: list[Product], max_price: float | None) -> str:
    """JSON the model reads: short enough to keep prompts small, complete enough to answer."""
    results = [
        {
            "id": p.id,
            "name": p.name,
            "brand": p.brand,
            "category": p.category,
            "price": p.price,
            "currency": p.currency,
            "rating": p.rating,
            "in_stock": p.in_stock,
            "description": _shorten(p.description, 200),
        }
        for p in products
    ]
    payload: dict[str, Any] = {"query": query, "count": len(results), "results": results}
    if max_price is not None:
        payload["max_price"] = max_price
    if not results:
        payload["note"] = "No products matched. Suggest other words or a higher budget."
    return json.dumps(payload, ensure_ascii=False)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
