"""Product search on Elasticsearch through the official `elasticsearch` client.

The client library is imported, and the client built, on the first call that needs it:
a Lambda cold start that only answers /health never pays the ~200 ms import. Every
transport or cluster failure becomes `DependencyUnavailable` with one line saying
where and what, so the routes answer 503 instead of a traceback.

Load the packaged catalog into a cluster (the API key, if any, comes from ES_API_KEY):

    python -m shopbot.search.elastic load --url http://localhost:9200 [--index products]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import DependencyUnavailable
from . import Product
from .catalog import MAX_QUERY_CHARS, clamp_limit, load_packaged_catalog, query_terms

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from ..config import Config

# brand and category are keywords (exact filters, aggregations) with an analysed
# `.text` sub-field, so a query like "sony headphones" can still match them.
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "name": {"type": "text", "analyzer": "english"},
        "brand": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "english"}}},
        "category": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "english"}}},
        "description": {"type": "text", "analyzer": "english"},
        "price": {"type": "float"},
        "currency": {"type": "keyword"},
        "rating": {"type": "float"},
        "in_stock": {"type": "boolean"},
    },
}
SETTINGS: dict[str, Any] = {"number_of_shards": 1}
_URLLIB3_PREFIX = re.compile(r"^\w*Connection\([^)]*\):\s*")  # "HTTPConnection(host=.., port=..): "
SEARCH_FIELDS = ["name^3", "brand.text^2", "category.text^2", "description"]
IN_STOCK_BOOST = 1.5


def relevance_query(text: str, max_price: float | None = None) -> dict[str, Any]:
    """best_fields over name > brand/category > description, typo-tolerant; in-stock first."""
    query: dict[str, Any] = {
        "must": [{"multi_match": {
            "query": text, "type": "best_fields", "fields": SEARCH_FIELDS,
            "fuzziness": "AUTO", "tie_breaker": 0.3,
        }}],
        "should": [{"term": {"in_stock": {"value": True, "boost": IN_STOCK_BOOST}}}],
    }
    if max_price is not None:
        query["filter"] = [{"range": {"price": {"lte": max_price}}}]
    return {"bool": query}


def redact_url(url: str) -> str:
    """The URL without any user:password part (safe for messages and logs)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class ElasticsearchSearch:
    """`ProductSearch` on an Elasticsearch index; the client is shared and thread-safe."""

    def __init__(self, url: str, *, index: str = "products", api_key: str | None = None,
                 timeout_seconds: float = 2.0) -> None:
        self.url = url
        self.index = index
        self.timeout_seconds = timeout_seconds
        self._api_key = api_key
        self._es: Elasticsearch | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> ElasticsearchSearch:
        if not config.elasticsearch_url:
            raise ValueError("ELASTICSEARCH_URL is not set")
        return cls(config.elasticsearch_url, index=config.elasticsearch_index,
                   api_key=config.elasticsearch_api_key, timeout_seconds=config.search_timeout_seconds)

    def client(self) -> Elasticsearch:
        """The client, built on first use: no sniffing, one retry on a dropped connection
        (a pooled socket gone stale while a Lambda was frozen), never a retry on timeout."""
        with self._lock:
            if self._es is None:
                from elasticsearch import Elasticsearch

                self._es = Elasticsearch(
                    self.url,
                    api_key=self._api_key,
                    request_timeout=self.timeout_seconds,
                    max_retries=1,
                    retry_on_timeout=False,
                    sniff_on_start=False,
                    sniff_before_requests=False,
                    sniff_on_node_failure=False,
                )
            return self._es

    def ping(self) -> None:
        with self._unavailable("answering a ping"):
            self.client().info()

    def search(self, query: str, limit: int = 5, max_price: float | None = None) -> list[Product]:
        terms = query_terms(query)
        if not terms:
            return []
        text = " ".join(terms)[:MAX_QUERY_CHARS]
        with self._unavailable("searching"):
            response = self.client().search(
                index=self.index, query=relevance_query(text, max_price), size=clamp_limit(limit))
        return [_product(hit) for hit in response["hits"]["hits"]]

    def ensure_index(self) -> bool:
        """Create the index with its mapping unless it exists; True when it was created."""
        from elasticsearch import BadRequestError

        with self._unavailable("creating the index"):
            client = self.client()
            if client.indices.exists(index=self.index):
                return False
            try:
                client.indices.create(index=self.index, mappings=MAPPINGS, settings=SETTINGS)
            except BadRequestError as error:
                if error.error == "resource_already_exists_exception":  # lost a race: fine
                    return False
                raise
            return True

    def load_catalog(self, products: Iterable[Product], refresh: bool = True) -> int:
        """Bulk-index `products` (ids kept), creating the index first; returns how many."""
        from elasticsearch.helpers import BulkIndexError, streaming_bulk

        self.ensure_index()
        actions = ({"_index": self.index, "_id": p.id, "_source": p.to_dict()} for p in products)
        loaded = 0
        with self._unavailable("bulk loading"):
            try:
                for ok, _ in streaming_bulk(self.client(), actions, chunk_size=500, max_retries=0):
                    loaded += ok
            except BulkIndexError as error:
                first = error.errors[0] if error.errors else {}
                raise DependencyUnavailable(
                    f"search rejected {len(error.errors)} products while bulk loading into "
                    f"{self.index!r}: {first}") from None
            if refresh:
                self.client().indices.refresh(index=self.index)
        return loaded

    @contextmanager
    def _unavailable(self, doing: str) -> Iterator[None]:
        """Translate client failures into one-line `DependencyUnavailable` errors."""
        from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, TransportError

        where = redact_url(self.url)
        try:
            yield
        except ConnectionTimeout:
            raise DependencyUnavailable(
                f"search is unreachable: {where} did not answer within {self.timeout_seconds:g} s "
                f"({doing})") from None
        except ConnectionError as error:
            raise DependencyUnavailable(
                f"search is unreachable: cannot connect to {where} ({doing}): {_reason(error)}") from None
        except TransportError as error:
            raise DependencyUnavailable(
                f"search is unreachable: {where} failed while {doing}: {_reason(error)}") from None
        except ApiError as error:
            if error.meta.status == 404 and error.error == "index_not_found_exception":
                raise DependencyUnavailable(
                    f"search index {self.index!r} does not exist at {where}: load it with "
                    f"`python -m shopbot.search.elastic load --url URL --index {self.index}`") from None
            raise DependencyUnavailable(
                f"search answered {error.meta.status} {error.error} from {where} while {doing}") from None


def _reason(error: Exception) -> str:
    """The transport's own reason (e.g. "... [Errno 111] Connection refused"), one short line."""
    text = str(getattr(error, "message", "") or error or type(error).__name__)
    return _URLLIB3_PREFIX.sub("", text.splitlines()[0])[:200]


def _product(hit: dict[str, Any]) -> Product:
    source = hit.get("_source") or {}
    return Product(
        id=str(hit.get("_id") or source.get("id", "")),
        name=str(source.get("name", "")),
        brand=str(source.get("brand", "")),
        category=str(source.get("category", "")),
        description=str(source.get("description", "")),
        price=float(source.get("price", 0.0)),
        currency=str(source.get("currency", "USD")),
        rating=float(source.get("rating", 0.0)),
        in_stock=bool(source.get("in_stock", True)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`load`: bulk-load the packaged catalog. Exit 0 done, 1 cluster failure, 2 usage."""
    parser = argparse.ArgumentParser(prog="python -m shopbot.search.elastic",
                                     description="Manage the shopbot product index.")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="bulk-load the packaged sample catalog into an index")
    load.add_argument("--url", default=os.environ.get("ELASTICSEARCH_URL"),
                      help="cluster URL (default: $ELASTICSEARCH_URL); the API key comes from $ES_API_KEY")
    load.add_argument("--index", default=os.environ.get("ES_INDEX") or "products",
                      help="index name (default: $ES_INDEX or products)")
    load.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url is required (or set ELASTICSEARCH_URL)")
    search = ElasticsearchSearch(args.url, index=args.index, timeout_seconds=args.timeout,
                                 api_key=os.environ.get("ES_API_KEY") or None)
    try:
        created = search.ensure_index()
        count = search.load_catalog(load_packaged_catalog())
    except DependencyUnavailable as error:
        print(f"error: {error.message} - check --url and that the cluster is running", file=sys.stderr)
        return 1
    how = "created the index" if created else "index already existed"
    print(f"loaded {count} products into {args.index!r} at {redact_url(args.url)} ({how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
