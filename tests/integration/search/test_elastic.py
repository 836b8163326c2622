"""ElasticsearchSearch through the real `elasticsearch` client against the local fake cluster."""

from __future__ import annotations

import time

import pytest

from shopbot import config as service_config
from shopbot.errors import DependencyUnavailable
from shopbot.search import Product, build_search
from shopbot.search.catalog import load_packaged_catalog
from shopbot.search.elastic import ElasticsearchSearch
from tests.fakes.elasticsearch_server import FakeElasticsearch

CATALOG = load_packaged_catalog()


@pytest.fixture
def loaded(fake_elasticsearch: FakeElasticsearch) -> ElasticsearchSearch:
    search = ElasticsearchSearch(fake_elasticsearch.url, timeout_seconds=2.0)
    assert search.load_catalog(CATALOG) == len(CATALOG)
    fake_elasticsearch.requests.clear()
    return search


def test_ensure_index_creates_the_mapping_once(fake_elasticsearch: FakeElasticsearch) -> None:
    search = ElasticsearchSearch(fake_elasticsearch.url, index="shop")
    assert search.ensure_index() is True
    assert search.ensure_index() is False
    props = fake_elasticsearch.mappings["shop"]["properties"]
    assert props["name"]["analyzer"] == "english"
    assert props["brand"]["type"] == "keyword" and props["price"]["type"] == "float"
    assert [r.method for r in fake_elasticsearch.requests if r.path == "/shop"] == ["HEAD", "PUT", "HEAD"]


def test_bulk_load_keeps_every_product_and_its_id(fake_elasticsearch: FakeElasticsearch,
                                                  loaded: ElasticsearchSearch) -> None:
    stored = fake_elasticsearch.documents("products")
    assert set(stored) == {p.id for p in CATALOG}
    first = CATALOG[0]
    assert stored[first.id] == first.to_dict()


def test_bulk_load_goes_out_as_ndjson_and_refreshes(fake_elasticsearch: FakeElasticsearch) -> None:
    ElasticsearchSearch(fake_elasticsearch.url).load_catalog(CATALOG[:3])
    bulk = [r for r in fake_elasticsearch.requests if r.path.endswith("/_bulk")]
    assert len(bulk) == 1 and "x-ndjson" in bulk[0].headers["content-type"]
    assert len(bulk[0].body.splitlines()) == 6  # action + source per product
    assert fake_elasticsearch.requests[-1].path == "/products/_refresh"


def test_search_returns_loaded_products_in_relevance_order(fake_elasticsearch: FakeElasticsearch,
                                                           loaded: ElasticsearchSearch) -> None:
    found = loaded.search("running shoes", limit=6)
    assert len(found) == 6 and all(isinstance(p, Product) for p in found)
    assert {p.category for p in found} == {"Running Shoes"}
    assert found[0] in CATALOG  # every field survives the round trip
    body = fake_elasticsearch.searches("products")[-1]
    assert body["size"] == 6
    match = body["query"]["bool"]["must"][0]["multi_match"]
    assert match["query"] == "running shoes" and match["fuzziness"] == "AUTO"


def test_brand_search_finds_that_brand(loaded: ElasticsearchSearch) -> None:
    assert {p.brand for p in loaded.search("sony", limit=4)} == {"Sony"}


def test_price_cap_is_sent_as_a_filter_and_applied(fake_elasticsearch: FakeElasticsearch,
                                                   loaded: ElasticsearchSearch) -> None:
    found = loaded.search("noise cancelling headphones", limit=10, max_price=150)
    assert found and all(p.price <= 150 for p in found)
    body = fake_elasticsearch.searches("products")[-1]
    assert body["query"]["bool"]["filter"] == [{"range": {"price": {"lte": 150}}}]


def test_in_stock_products_rank_above_equal_out_of_stock_ones(fake_elasticsearch: FakeElasticsearch) -> None:
    fake_elasticsearch.add_documents("products", [
        Product("a", "Trail Tent", "Ridge", "Tents", "A tent.", 99.0, in_stock=False).to_dict(),
        Product("b", "Trail Tent", "Ridge", "Tents", "A tent.", 99.0, in_stock=True).to_dict(),
    ])
    assert [p.id for p in ElasticsearchSearch(fake_elasticsearch.url).search("trail tent")] == ["b", "a"]


def test_limit_is_capped(fake_elasticsearch: FakeElasticsearch, loaded: ElasticsearchSearch) -> None:
    loaded.search("laptop", limit=500)
    loaded.search("laptop", limit=0)
    assert [b["size"] for b in fake_elasticsearch.searches("products")] == [50, 1]


def test_user_text_reaches_the_cluster_as_plain_words(fake_elasticsearch: FakeElasticsearch,
                                                      loaded: ElasticsearchSearch) -> None:
    loaded.search('"sony" {"query": {"match_all": {}}} -headphones*')
    sent = fake_elasticsearch.searches("products")[-1]["query"]["bool"]["must"][0]["multi_match"]["query"]
    assert sent == "sony query match all headphones"


def test_empty_query_answers_without_a_request(fake_elasticsearch: FakeElasticsearch,
                                               loaded: ElasticsearchSearch) -> None:
    assert loaded.search("  the  ") == []
    assert fake_elasticsearch.requests == []


def test_ping(fake_elasticsearch: FakeElasticsearch) -> None:
    search = ElasticsearchSearch(fake_elasticsearch.url)
    assert fake_elasticsearch.requests == []  # nothing happens before first use
    search.ping()
    assert [(r.method, r.path) for r in fake_elasticsearch.requests] == [("GET", "/")]


def test_slow_cluster_is_unavailable_after_the_timeout(fake_elasticsearch: FakeElasticsearch,
                                                       loaded: ElasticsearchSearch) -> None:
    slow = ElasticsearchSearch(fake_elasticsearch.url, timeout_seconds=0.3)
    fake_elasticsearch.delay = 5.0
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match=r"search is unreachable: .* within 0.3 s \(searching\)"):
        slow.search("tent")
    assert time.monotonic() - started < 2.0  # one attempt: no retry on timeout
    with pytest.raises(DependencyUnavailable, match=r"within 0\.3 s"):
        slow.ping()


def test_cluster_down_is_unavailable_quickly(fake_elasticsearch: FakeElasticsearch,
                                             loaded: ElasticsearchSearch) -> None:
    assert loaded.search("tent")  # a pooled keep-alive connection exists
    fake_elasticsearch.stop()
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match="search is unreachable: cannot connect") as raised:
        loaded.search("tent")
    with pytest.raises(DependencyUnavailable, match="search is unreachable"):
        loaded.ping()
    assert time.monotonic() - started < 2.0
    assert raised.value.status == 503 and "\n" not in raised.value.message


def test_cluster_errors_are_unavailable(fake_elasticsearch: FakeElasticsearch,
                                        loaded: ElasticsearchSearch) -> None:
    fake_elasticsearch.fail_status = 500
    with pytest.raises(DependencyUnavailable, match="search answered 500"):
        loaded.search("tent")


def test_missing_index_says_how_to_load_it(fake_elasticsearch: FakeElasticsearch) -> None:
    with pytest.raises(DependencyUnavailable, match=r"'products' does not exist .* shopbot\.search\.elastic load"):
        ElasticsearchSearch(fake_elasticsearch.url).search("tent")


def test_api_key_is_sent_and_never_shown() -> None:
    with FakeElasticsearch(api_key="canary-key-123") as fake:
        ElasticsearchSearch(fake.url, api_key="canary-key-123").load_catalog(CATALOG[:5])
        with pytest.raises(DependencyUnavailable, match="401") as raised:
            ElasticsearchSearch(fake.url, api_key="wrong-canary-key").ping()
    assert "canary" not in raised.value.message


def test_credentials_in_the_url_are_never_shown() -> None:
    with FakeElasticsearch() as fake:
        url = fake.url.replace("http://", "http://elastic:canary-pw@")
        fake.stop()
        with pytest.raises(DependencyUnavailable) as raised:
            ElasticsearchSearch(url).search("tent")
    assert "canary-pw" not in raised.value.message and fake.url in raised.value.message


def test_build_search_uses_elasticsearch_when_configured(fake_elasticsearch: FakeElasticsearch) -> None:
    config = service_config.TestingConfig(elasticsearch_url=fake_elasticsearch.url, elasticsearch_index="shop",
                           search_timeout_seconds=0.4)
    search = build_search(config)
    assert isinstance(search, ElasticsearchSearch)
    assert search.timeout_seconds == 0.4
    search.load_catalog(CATALOG)
    assert search.search("yoga mat", limit=2)
    assert fake_elasticsearch.searches("shop")
