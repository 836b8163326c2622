"""The Elasticsearch backend against a real cluster, only where one is named.

    SHOPBOT_LIVE_ELASTICSEARCH_URL=https://... [SHOPBOT_LIVE_ELASTICSEARCH_API_KEY=...] \
        .venv/bin/python -m pytest tests/integration/search/test_live.py -m live

It loads the catalog into a throwaway index, searches it, and deletes it.
"""

from __future__ import annotations

import os
import uuid

import pytest

from shopbot.search.catalog import load_packaged_catalog
from shopbot.search.elastic import ElasticsearchSearch

LIVE_URL = os.environ.get("SHOPBOT_LIVE_ELASTICSEARCH_URL")


@pytest.mark.live
@pytest.mark.skipif(not LIVE_URL, reason="SHOPBOT_LIVE_ELASTICSEARCH_URL is not set")
def test_real_cluster_round_trip() -> None:
    assert LIVE_URL
    catalog = load_packaged_catalog()
    search = ElasticsearchSearch(LIVE_URL, index=f"shopbot-test-{uuid.uuid4().hex[:10]}",
                                 api_key=os.environ.get("SHOPBOT_LIVE_ELASTICSEARCH_API_KEY") or None,
                                 timeout_seconds=15)
    try:
        search.ping()
        assert search.ensure_index() is True
        assert search.load_catalog(catalog) == len(catalog)
        assert {p.category for p in search.search("running shoes", limit=5)} == {"Running Shoes"}
        assert {p.brand for p in search.search("sony", limit=3)} == {"Sony"}
        assert {p.category for p in search.search("hedphones", limit=3)} == {"Headphones"}  # fuzziness
        capped = search.search("laptop", limit=4, max_price=800)
        assert capped and capped[0].category == "Laptops" and all(p.price <= 800 for p in capped)
    finally:
        search.client().indices.delete(index=search.index, ignore_unavailable=True)
