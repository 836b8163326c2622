"""A tiny in-memory `ProductSearch` over a handful of products, for bot tests.

Ranking is word overlap with name/brand/category/description, ties by id: simple and
deterministic, so tests can say exactly which products a query finds.
"""

from __future__ import annotations

import re

from shopbot.search import Product

PRODUCTS = [
    Product("hp-1", "Aurora Wireless Headphones", "Sonique", "headphones",
            "Over-ear wireless headphones with noise cancelling and 30 hour battery.", 129.00, rating=4.6),
    Product("hp-2", "Pulse Sport Earbuds", "Sonique", "headphones",
            "Sweat-proof wireless earbuds for running, with a charging case.", 59.99, rating=4.2),
    Product("hp-3", "Studio Wired Headphones", "Acoustix", "headphones",
            "Closed-back wired headphones for home recording.", 89.50, rating=4.4),
    Product("hp-4", "Budget Buds Headphones", "Acoustix", "headphones",
            "Lightweight wired headphones for everyday listening.", 19.99, rating=3.9, in_stock=False),
    Product("sh-1", "Trail Runner 3 Running Shoes", "Stride", "shoes",
            "Grippy trail running shoes with a rock plate.", 119.00, rating=4.5),
    Product("sh-2", "City Sneaker Shoes", "Stride", "shoes",
            "Everyday leather sneakers for walking around town.", 74.00, rating=4.1),
    Product("bp-1", "Summit 30L Backpack", "Ridgeline", "backpacks",
            "A 30 litre hiking backpack with rain cover.", 95.00, rating=4.7),
    Product("tn-1", "Nomad 2-Person Tent", "Ridgeline", "tents",
            "Light two-person backpacking tent, 1.9 kg.", 249.00, currency="EUR", rating=4.3),
]

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    words = set(_WORD.findall(text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}  # plural -> singular


class ListSearch:
    """`ProductSearch` over a list; records the queries it was asked."""

    def __init__(self, products: list[Product] | None = None) -> None:
        self.products = PRODUCTS if products is None else products
        self.queries: list[tuple[str, int]] = []

    def search(self, query: str, limit: int = 5, max_price: float | None = None) -> list[Product]:
        self.queries.append((query, limit))
        wanted = _words(query)
        scored = []
        for product in self.products:
            text = _words(f"{product.name} {product.brand} {product.category} {product.description}")
            score = len(wanted & text)
            if score and (max_price is None or product.price <= max_price):
                scored.append((-score, product.id, product))
        return [product for _, _, product in sorted(scored)[:limit]]

    def ping(self) -> None:
        """Always reachable: it lives in memory."""
