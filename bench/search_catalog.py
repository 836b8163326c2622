"""Embedded catalog search: index build time (a cold-start cost) and query latency,
SQLite FTS5 against the pure-Python fallback, measured in one run.

    .venv/bin/python bench/search_catalog.py [--rounds 30]

Goal: the FTS5 build (read the packaged JSON + index it) stays under 30 ms, since the
first search after a Lambda cold start pays it.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from unittest import mock

from shopbot.search import catalog
from shopbot.search.catalog import CatalogSearch

QUERIES = ["running shoes", "noise cancelling headphones", "laptop", "tent for backpacking",
           "gift for kids", "coffee maker", "sony", "women's trail running shoes"]
FIRST_SEARCH = (
    "import time; t = time.perf_counter()\n"
    "from shopbot.search.catalog import CatalogSearch\n"
    "shop = CatalogSearch.default(); shop.search('running shoes')\n"
    "print((time.perf_counter() - t) * 1000, shop.build_seconds * 1000)\n"
)


def median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def build_ms(rounds: int) -> float:
    return median_ms(lambda: CatalogSearch.default().search("tent"), rounds)


def query_us(rounds: int) -> float:
    shop = CatalogSearch.default()
    shop.search("warm up")
    return median_ms(lambda: [shop.search(q) for q in QUERIES], rounds) * 1000 / len(QUERIES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    logging.getLogger("shopbot.search").setLevel(logging.ERROR)  # the fallback's warning, every round

    fts_build, fts_query = build_ms(rounds), query_us(rounds)
    with mock.patch.object(catalog, "fts5_available", lambda: False):
        py_build, py_query = build_ms(rounds), query_us(rounds)
    fresh = [[float(x) for x in subprocess.run([sys.executable, "-c", FIRST_SEARCH], capture_output=True,
                                               text=True, check=True).stdout.split()] for _ in range(5)]

    count = len(catalog.load_packaged_catalog())
    print(f"catalog: {count} products, {rounds} rounds, medians")
    print(f"index build (read JSON + index): fts5 {fts_build:6.1f} ms   python {py_build:6.1f} ms   "
          f"fts5/python {fts_build / py_build:.2f}x")
    print(f"query (avg of {len(QUERIES)}):            fts5 {fts_query:6.0f} us   python {py_query:6.0f} us   "
          f"fts5/python {fts_query / py_query:.2f}x")
    print(f"fresh interpreter (fts5): import + first search {statistics.median(f[0] for f in fresh):.1f} ms, "
          f"of which index build {statistics.median(f[1] for f in fresh):.1f} ms")
    print(f"goal fts5 build < 30 ms: {'met' if fts_build < 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
