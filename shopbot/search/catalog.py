"""Embedded product search: the packaged sample catalog, ranked with SQLite FTS5 BM25.

The default search a newcomer gets (no Elasticsearch needed). The index lives in an
in-memory database built on the first search, so cold starts that never search pay
nothing. User text is reduced to plain word tokens before it reaches FTS5, so no
input can be read as FTS query syntax. Where the interpreter's sqlite lacks FTS5, a
small pure-Python BM25 scorer takes over (with a warning).
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

from . import Product

log = logging.getLogger("shopbot.search")

MAX_LIMIT = 50
MAX_QUERY_CHARS = 512
MAX_TERMS = 12
MAX_TERM_CHARS = 64
MIN_PREFIX_CHARS = 3
# BM25 weights per field: a hit in the name counts most, then brand and category.
FIELDS = ("name", "brand", "category", "description")
WEIGHTS = (10.0, 4.0, 4.0, 1.0)

# Words that carry no product meaning ("under" and "below" belong to a price, not a name).
STOPWORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "below", "but", "by", "can", "could", "do",
    "does", "for", "from", "get", "have", "i", "im", "in", "is", "it", "its", "less", "looking",
    "me", "my", "need", "of", "on", "or", "please", "recommend", "show", "some", "than", "that",
    "the", "their", "them", "these", "this", "those", "to", "under", "want", "what", "which",
    "with", "would", "you", "your",
})

_WORD = re.compile(r"[^\W_]+")  # letters and digits: what FTS5's unicode61 keeps as a token


def query_terms(text: str) -> list[str]:
    """The searchable words of user input: lower-cased, deduplicated, stopwords dropped."""
    terms: list[str] = []
    for word in _WORD.findall(text[:MAX_QUERY_CHARS].lower()):
        word = word[:MAX_TERM_CHARS]
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()) or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def clamp_limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def load_packaged_catalog() -> list[Product]:
    """The sample catalog shipped in `shopbot/data/catalog.json`."""
    from importlib import resources  # ~5 ms of imports, paid on the first search only

    raw = resources.files("shopbot").joinpath("data/catalog.json").read_text(encoding="utf-8")
    return [Product(**row) for row in json.loads(raw)]


@lru_cache(maxsize=1)
def fts5_available() -> bool:
    try:
        with sqlite3.connect(":memory:") as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
        return True
    except sqlite3.OperationalError:
        return False


class _Index(Protocol):
    def find(self, terms: list[str], any_term: bool, max_price: float | None, limit: int) -> list[int]:
        """Positions of the best matches: all terms (or any, when `any_term`), best first."""
        ...


class _Fts5Index:
    """An FTS5 table over the catalog; rowid is the product's position in the list."""

    def __init__(self, products: Sequence[Product]) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)  # guarded by CatalogSearch
        self._db.execute(
            "CREATE VIRTUAL TABLE products USING fts5(name, brand, category, description, "
            "price UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO products(rowid, name, brand, category, description, price) VALUES (?,?,?,?,?,?)",
            [(i, p.name, p.brand, p.category, p.description, p.price) for i, p in enumerate(products)],
        )
        self._rank = "bm25(products, {})".format(", ".join(str(w) for w in WEIGHTS))

    def find(self, terms: list[str], any_term: bool, max_price: float | None, limit: int) -> list[int]:
        # Every term is a quoted string of letters/digits, so none can be FTS5 syntax;
        # the last one also matches as a prefix ("headph" finds headphones).
        quoted = [f'"{t}"' for t in terms]
        if len(terms[-1]) >= MIN_PREFIX_CHARS:
            quoted[-1] += "*"
        match = (" OR " if any_term else " ").join(quoted)
        sql = "SELECT rowid FROM products WHERE products MATCH ?"
        params: list[object] = [match]
        if max_price is not None:
            sql += " AND price <= ?"
            params.append(max_price)
        sql += f" ORDER BY {self._rank}, rowid LIMIT ?"
        params.append(limit)
        return [row[0] for row in self._db.execute(sql, params)]


def fold(text: str) -> str:
    """Lower case without diacritics ("Crème" -> "creme"), as FTS5's remove_diacritics does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def light_stem(word: str) -> str:
    """A few English suffix rules, enough to match headphone/headphones, running/run."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
        if word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
    return word


class _PythonIndex:
    """BM25 over the same fields and weights as the FTS5 index, in plain Python."""

    K1 = 1.2
    B = 0.75

    def __init__(self, products: Sequence[Product]) -> None:
        self._prices = [p.price for p in products]
        self._fields: list[list[Counter[str]]] = [
            [Counter(light_stem(w) for w in _WORD.findall(fold(getattr(p, f)))) for f in FIELDS]
            for p in products
        ]
        count = max(len(products), 1)
        self._avg = [max(sum(sum(doc[f].values()) for doc in self._fields) / count, 1.0)
                     for f in range(len(FIELDS))]
        self._vocabulary = sorted({t for doc in self._fields for field in doc for t in field})
        df: Counter[str] = Counter(t for doc in self._fields for t in set().union(*doc))
        self._idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def _expand(self, term: str, prefix: bool) -> set[str]:
        stem = light_stem(fold(term))
        if not prefix:
            return {stem} if stem in self._idf else set()
        return {t for t in self._vocabulary if t.startswith(stem)}

    def _score(self, doc: list[Counter[str]], stems: set[str]) -> float:
        total = 0.0
        for f, field in enumerate(doc):
            norm = self.K1 * (1 - self.B + self.B * sum(field.values()) / self._avg[f])
            for stem in stems & field.keys():
                tf = field[stem]
                total += WEIGHTS[f] * self._idf[stem] * tf * (self.K1 + 1) / (tf + norm)
        return total

    def find(self, terms: list[str], any_term: bool, max_price: float | None, limit: int) -> list[int]:
        groups = [self._expand(t, i == len(terms) - 1 and len(t) >= MIN_PREFIX_CHARS)
                  for i, t in enumerate(terms)]
        wanted = set().union(*groups)
        scored: list[tuple[float, int]] = []
        for pos, doc in enumerate(self._fields):
            if max_price is not None and self._prices[pos] > max_price:
                continue
            present = set().union(*(field.keys() for field in doc))
            hits = [bool(group & present) for group in groups]
            if any(hits) if any_term else all(hits):
                scored.append((-self._score(doc, wanted), pos))
        return [pos for _, pos in sorted(scored)[:limit]]


class CatalogSearch:
    """`ProductSearch` over an in-process catalog; safe to share between threads."""

    def __init__(self, products: Sequence[Product] | Callable[[], Sequence[Product]]) -> None:
        self._source = products
        self._products: Sequence[Product] = ()
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self.build_seconds: float | None = None  # how long the first search spent building

    @classmethod
    def default(cls) -> CatalogSearch:
        """The packaged sample catalog, read and indexed on the first search."""
        return cls(load_packaged_catalog)

    def ping(self) -> None:
        """Always answers: the catalog is in-process."""

    def search(self, query: str, limit: int = 5, max_price: float | None = None) -> list[Product]:
        """Best matches first: products matching every word, then any word; [] for no words."""
        terms = query_terms(query)
        if not terms:
            return []
        limit = clamp_limit(limit)
        with self._lock:
            index = self._index or self._build()
            found = index.find(terms, False, max_price, limit)
            if len(found) < limit and len(terms) > 1:
                extra = index.find(terms, True, max_price, limit)
                found += [pos for pos in extra if pos not in found][: limit - len(found)]
            return [self._products[pos] for pos in found]

    def _build(self) -> _Index:
        started = time.perf_counter()
        self._products = list(self._source() if callable(self._source) else self._source)
        if fts5_available():
            index: _Index = _Fts5Index(self._products)
            engine = "fts5"
        else:
            log.warning("sqlite %s has no FTS5: product search uses the slower pure-Python scorer",
                        sqlite3.sqlite_version)
            index = _PythonIndex(self._products)
            engine = "python"
        self.build_seconds = time.perf_counter() - started
        log.info("product catalog indexed: %d products in %.1f ms (%s)",
                 len(self._products), self.build_seconds * 1000, engine)
        self._index = index
        return index
