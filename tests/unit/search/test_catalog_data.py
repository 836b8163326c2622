"""The packaged sample catalog: valid, varied, stable, and what the generator writes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from shopbot.search import Product
from shopbot.search.catalog import load_packaged_catalog

REPO = Path(__file__).resolve().parents[3]
CATALOG = REPO / "shopbot" / "data" / "catalog.json"
FIELDS = {"id", "name", "brand", "category", "description", "price", "currency", "rating", "in_stock"}


def test_every_row_is_a_complete_product() -> None:
    rows = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert 300 <= len(rows) <= 400
    for row in rows:
        assert set(row) == FIELDS, row
        assert all(isinstance(row[k], str) and row[k].strip()
                   for k in ("id", "name", "brand", "category", "description")), row
        assert isinstance(row["price"], float | int) and 1 <= row["price"] < 5000, row
        assert row["currency"] == "USD"
        assert 1.0 <= row["rating"] <= 5.0, row
        assert isinstance(row["in_stock"], bool)


def test_ids_and_names_are_unique() -> None:
    products = load_packaged_catalog()
    assert len({p.id for p in products}) == len(products) >= 300
    assert len({p.name for p in products}) == len(products)


def test_covers_what_shoppers_ask_for() -> None:
    per_category = Counter(p.category for p in load_packaged_catalog())
    for category in ("Running Shoes", "Headphones", "Laptops", "Kitchen", "Outdoor & Camping",
                     "Home Office", "Toys & Games", "Books", "Beauty & Personal Care"):
        assert per_category[category] >= 16, (category, per_category)
    assert any(not p.in_stock for p in load_packaged_catalog())


def test_loads_as_products() -> None:
    first = load_packaged_catalog()[0]
    assert isinstance(first, Product) and first.to_dict()["id"] == first.id


def test_file_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    done = subprocess.run([sys.executable, str(REPO / "tools" / "make_catalog.py"), "--output", str(out)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert "wrote" in done.stdout
    assert out.read_bytes() == CATALOG.read_bytes(), "run: python tools/make_catalog.py"


def test_generator_check_flags_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "catalog.json"
    stale.write_text("[]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(REPO / "tools" / "make_catalog.py"), "--check",
                           "--output", str(stale)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "out of date" in done.stderr
