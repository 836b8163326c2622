"""The embedded catalog search: relevance a shopper would notice, on both engines."""

from __future__ import annotations

import logging
import threading

import pytest

from shopbot.search import Product, catalog
from shopbot.search.catalog import MAX_LIMIT, CatalogSearch, load_packaged_catalog

PACKAGED = load_packaged_catalog()


@pytest.fixture(params=["fts5", "python"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on SQLite FTS5 and on the pure-Python fallback (FTS5 forced off)."""
    if request.param == "python":
        monkeypatch.setattr(catalog, "fts5_available", lambda: False)
    else:
        assert catalog.fts5_available(), "this interpreter's sqlite has no FTS5"
    return str(request.param)


@pytest.fixture
def shop(engine: str) -> CatalogSearch:
    return CatalogSearch(PACKAGED)


def names(products: list[Product]) -> list[str]:
    return [p.name for p in products]


def test_running_shoes_come_first(shop: CatalogSearch) -> None:
    found = shop.search("running shoes", limit=10)
    assert len(found) == 10
    assert {p.category for p in found} == {"Running Shoes"}, names(found)


def test_a_longer_request_ranks_the_closest_products_first(shop: CatalogSearch) -> None:
    found = shop.search("women's trail running shoes", limit=4)
    assert all("Trail" in p.name and "Women's" in p.name for p in found[:2]), names(found)
    assert {p.category for p in found} == {"Running Shoes"}


@pytest.mark.parametrize("brand", ["Sony", "Patagonia", "Le Creuset", "LEGO"])
def test_a_brand_name_finds_that_brand(shop: CatalogSearch, brand: str) -> None:
    found = shop.search(brand.lower(), limit=10)
    assert found, f"nothing found for {brand}"
    assert sorted(p.id for p in found) == sorted(p.id for p in PACKAGED if p.brand == brand)


def test_singular_and_plural_find_the_same_products(shop: CatalogSearch) -> None:
    singular = shop.search("headphone", limit=8)
    plural = shop.search("headphones", limit=8)
    assert singular == plural
    assert {p.category for p in plural} == {"Headphones"}


def test_the_last_word_matches_as_a_prefix(shop: CatalogSearch) -> None:
    assert {p.category for p in shop.search("headph", limit=5)} == {"Headphones"}
    assert {p.brand for p in shop.search("patag", limit=5)} == {"Patagonia"}


def test_name_matches_outrank_description_matches(shop: CatalogSearch) -> None:
    # "tent" is in three product names and in no description of anything else that ranks higher.
    found = shop.search("tent", limit=6)
    assert all("Tent" in p.name for p in found), names(found)


def test_price_cap_keeps_only_cheaper_products(shop: CatalogSearch) -> None:
    uncapped = shop.search("noise cancelling headphones", limit=10)
    capped = shop.search("noise cancelling headphones", limit=10, max_price=150)
    assert any(p.price > 150 for p in uncapped)
    assert capped and all(p.price <= 150 for p in capped), names(capped)
    assert {p.category for p in capped} == {"Headphones"}


def test_price_cap_below_everything_finds_nothing(shop: CatalogSearch) -> None:
    assert shop.search("laptop", max_price=5) == []


def test_limit_is_honoured_and_capped(shop: CatalogSearch) -> None:
    assert len(shop.search("laptop", limit=3)) == 3
    assert len(shop.search("laptop", limit=0)) == 1
    assert len(shop.search("laptop", limit=-7)) == 1
    widgets = CatalogSearch([Product(f"w-{i}", f"Widget {i}", "Acme", "Gadgets", "A widget.", 1.0)
                             for i in range(120)])
    assert len(widgets.search("widget", limit=1000)) == MAX_LIMIT


@pytest.mark.parametrize("query", ["", "   ", "the", "a an the and for with", "!!! ???", "👟🏃"])
def test_empty_or_stopword_query_finds_nothing(shop: CatalogSearch, query: str) -> None:
    assert shop.search(query) == []


@pytest.mark.parametrize("query", [
    '"', '"running', 'running" OR "', "-shoes", "NOT shoes", "shoes AND", "shoes OR", "*", "shoe*",
    "name:sony", "NEAR(sony headphones)", "^shoe", "((((", "sony) OR (1=1", "'; DROP TABLE products; --",
    "\x00 shoes", "shoes\n\r\t", "ｒｕｎｎｉｎｇ", "שלום", "🏃 running 👟 shoes",
    "running " * 400, "x" * 10_000, "{near/3}",
])
def test_hostile_input_never_raises(shop: CatalogSearch, query: str) -> None:
    found = shop.search(query)
    assert isinstance(found, list) and len(found) <= 5


def test_query_syntax_in_input_is_read_as_words(shop: CatalogSearch) -> None:
    # FTS5 would read NOT/AND/- as operators; here they are plain words (NOT, AND dropped as noise).
    assert {p.brand for p in shop.search('"sony" -headphones', limit=3)} == {"Sony"}
    assert {p.category for p in shop.search("shoes AND running", limit=5)} == {"Running Shoes"}


def test_accents_do_not_matter(engine: str) -> None:
    shop = CatalogSearch([
        Product("c-1", "Crème Brûlée Torch", "Chef's", "Kitchen", "A kitchen torch.", 29.0),
        Product("c-2", "Cream Whipper", "Chef's", "Kitchen", "Whips cream.", 39.0),
    ])
    assert [p.id for p in shop.search("creme brulee")] == ["c-1"]
    assert [p.id for p in shop.search("CRÈME")] == ["c-1"]


def test_results_are_deterministic(engine: str) -> None:
    queries = ["running shoes", "gift for kids", "coffee", "wireless", "black backpack", "dog"]
    first = [[p.id for p in CatalogSearch(PACKAGED).search(q, limit=10)] for q in queries]
    again = [[p.id for p in CatalogSearch(PACKAGED).search(q, limit=10)] for q in queries]
    assert first == again
    assert all(first)


def test_words_missing_from_the_catalog_do_not_hide_the_others(shop: CatalogSearch) -> None:
    # "zebra" matches nothing; the products matching "coffee" still come back.
    found = shop.search("zebra coffee")
    assert found and all("Coffee" in p.name or "coffee" in p.description.lower() for p in found)


def test_index_is_built_on_the_first_search_only() -> None:
    calls: list[int] = []

    def loader() -> list[Product]:
        calls.append(1)
        return PACKAGED

    shop = CatalogSearch(loader)
    assert calls == [] and shop.build_seconds is None
    shop.search("tent")
    shop.search("laptop")
    assert calls == [1]
    assert shop.build_seconds is not None and shop.build_seconds > 0


def test_default_serves_the_packaged_catalog() -> None:
    shop = CatalogSearch.default()
    shop.ping()
    found = shop.search("macbook air")
    assert found and found[0].brand == "Apple" and "MacBook Air" in found[0].name


def test_missing_fts5_falls_back_with_a_warning(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(catalog, "fts5_available", lambda: False)
    shop = CatalogSearch(PACKAGED)
    with caplog.at_level(logging.WARNING, logger="shopbot.search"):
        found = shop.search("running shoes")
    assert any("no FTS5" in r.getMessage() for r in caplog.records)
    assert {p.category for p in found} == {"Running Shoes"}


def test_concurrent_searches_from_many_threads(engine: str) -> None:
    shop = CatalogSearch(PACKAGED)
    queries = ["running shoes", "headphones", "tent", "laptop", "coffee", "yoga mat"]
    expected = {q: CatalogSearch(PACKAGED).search(q) for q in queries}
    errors: list[BaseException] = []
    results: list[bool] = []
    start = threading.Barrier(8)

    def worker(offset: int) -> None:
        try:
            start.wait()
            for i in range(60):
                query = queries[(i + offset) % len(queries)]
                results.append(shop.search(query) == expected[query])
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 8 * 60 and all(results)

