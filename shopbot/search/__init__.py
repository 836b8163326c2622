"""Product search: Elasticsearch in production, an embedded catalog by default.

Both implement `ProductSearch`; `build_search` picks one from the config. The
Elasticsearch client is imported only when it is configured (cold starts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config import Config


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    brand: str
    category: str
    description: str
    price: float
    currency: str = "USD"
    rating: float = 0.0
    in_stock: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProductSearch(Protocol):
    def search(self, query: str, limit: int = 5, max_price: float | None = None) -> list[Product]:
        """Best matches first (at most `max_price` when given); an empty or all-stopword query returns []."""
        ...

    def ping(self) -> None:
        """Raise `DependencyUnavailable` when the backend cannot answer quickly."""
        ...


def build_search(config: Config) -> ProductSearch:
    if config.elasticsearch_url:
        from .elastic import ElasticsearchSearch

        return ElasticsearchSearch.from_config(config)
    from .catalog import CatalogSearch

    return CatalogSearch.default()
