"""What the Elasticsearch backend sends, checked without a server."""

from __future__ import annotations

from shopbot.search.elastic import MAPPINGS, redact_url, relevance_query


def test_query_weights_name_over_brand_and_category_over_description() -> None:
    query = relevance_query("running shoes")["bool"]
    match = query["must"][0]["multi_match"]
    assert match["query"] == "running shoes"
    assert match["type"] == "best_fields" and match["fuzziness"] == "AUTO"
    assert match["fields"] == ["name^3", "brand.text^2", "category.text^2", "description"]
    assert query["should"] == [{"term": {"in_stock": {"value": True, "boost": 1.5}}}]
    assert "filter" not in query


def test_price_cap_becomes_a_filter_not_a_scoring_clause() -> None:
    query = relevance_query("tent", max_price=200.0)["bool"]
    assert query["filter"] == [{"range": {"price": {"lte": 200.0}}}]


def test_mapping_types() -> None:
    props = MAPPINGS["properties"]
    assert props["name"] == {"type": "text", "analyzer": "english"}
    assert props["description"]["analyzer"] == "english"
    assert props["brand"]["type"] == props["category"]["type"] == "keyword"
    assert props["brand"]["fields"]["text"]["analyzer"] == "english"
    assert props["price"]["type"] == props["rating"]["type"] == "float"
    assert props["in_stock"]["type"] == "boolean"
    assert MAPPINGS["dynamic"] == "strict"


def test_redact_url_drops_credentials_only() -> None:
    assert redact_url("https://elastic:s3cret@es.example.com:9243/x") == "https://es.example.com:9243/x"
    assert redact_url("http://localhost:9200") == "http://localhost:9200"
