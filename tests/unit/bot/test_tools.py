"""The search_products tool: its schema and what it hands the model."""

from __future__ import annotations

import json

import pytest

from shopbot.bot.tools import SEARCH_TOOL, format_price, run_search_tool
from tests.fakes import PRODUCTS, ListSearch


def test_schema_asks_for_a_query_with_optional_limit_and_budget() -> None:
    schema = SEARCH_TOOL["input_schema"]
    assert SEARCH_TOOL["name"] == "search_products"
    assert schema["required"] == ["query"]
    assert set(schema["properties"]) == {"query", "limit", "max_price"}
    assert schema["properties"]["limit"]["type"] == "integer"
    assert schema["properties"]["max_price"]["type"] == "number"


def test_results_go_to_the_model_as_json_and_back_as_products() -> None:
    run = run_search_tool(ListSearch(), {"query": "headphones", "limit": 2})

    assert not run.is_error
    assert [p.id for p in run.products] == ["hp-1", "hp-2"]
    payload = json.loads(run.content)
    assert payload["count"] == 2
    assert payload["results"][0] == {
        "id": "hp-1", "name": "Aurora Wireless Headphones", "brand": "Sonique", "category": "headphones",
        "price": 129.0, "currency": "USD", "rating": 4.6, "in_stock": True,
        "description": "Over-ear wireless headphones with noise cancelling and 30 hour battery.",
    }


def test_max_price_keeps_only_products_within_budget() -> None:
    run = run_search_tool(ListSearch(), {"query": "headphones", "max_price": 60})

    assert [p.id for p in run.products] == ["hp-2", "hp-4"]
    assert json.loads(run.content)["max_price"] == 60


def test_no_match_tells_the_model_what_to_do() -> None:
    run = run_search_tool(ListSearch(), {"query": "submarine"})

    assert run.products == [] and not run.is_error
    assert "No products matched" in json.loads(run.content)["note"]


@pytest.mark.parametrize(
    ("tool_input", "field"),
    [({}, "query"), ({"query": "  "}, "query"), ({"query": 3}, "query"),
     ({"query": "tent", "limit": "five"}, "limit"), ({"query": "tent", "limit": True}, "limit"),
     ({"query": "tent", "max_price": -1}, "max_price"), ({"query": "tent", "max_price": "cheap"}, "max_price")],
)
def test_bad_input_from_the_model_is_an_error_result(tool_input: dict[str, object], field: str) -> None:
    search = ListSearch()
    run = run_search_tool(search, tool_input)

    assert run.is_error and field in run.content and run.products == []
    assert search.queries == []


def test_limit_is_clamped_to_what_the_schema_allows() -> None:
    search = ListSearch()
    run_search_tool(search, {"query": "shoes", "limit": 500})
    run_search_tool(search, {"query": "shoes", "limit": 0})

    assert [limit for _, limit in search.queries] == [10, 1]


def test_prices_are_shown_in_their_currency() -> None:
    by_id = {p.id: p for p in PRODUCTS}
    assert format_price(by_id["hp-2"]) == "$59.99"
    assert format_price(by_id["tn-1"]) == "249.00 EUR"
