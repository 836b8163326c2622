"""The service's own route table (`shopbot.create_app().url_map`): route keys and coverage.

A request's route key is `"METHOD /rule"` (e.g. `GET /api/chat/<session_id>`), so a
thousand different session ids count as one route in coverage, latency and noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
MAX_UNMATCHED_KEYS = 200
MAX_CACHED_PATHS = 4096   # (method, path) -> route key remembered: real traffic repeats its paths


@dataclass
class RouteTable:
    url_map: Map
    routes: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    _unmatched: set[str] = field(default_factory=set)
    _adapter: MapAdapter | None = None
    _cache: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_map(cls, url_map: Map) -> RouteTable:
        table = cls(url_map)
        for rule in sorted(url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint == "static":
                continue
            for method in sorted((rule.methods or set()) - IGNORED_METHODS):
                key = f"{method} {rule.rule}"
                table.routes.append(key)
                table.rules[key] = rule
        return table

    def match(self, method: str, path: str) -> str:
        """The route key, or `METHOD (no route)` style keys kept to a bounded number.

        Matching is a costly step of reading a corpus (each entry is routed twice: when the corpus
        is validated and when it is replayed), so answers are cached, bounded. An answer never changes
        once given: an unmatched key is kept for good or never kept (issue #20).
        """
        cached = self._cache.get((method, path))
        if cached is not None:
            return cached
        key = self._match(method, path)
        if len(self._cache) >= MAX_CACHED_PATHS:  # e.g. full of one-off chat session paths: start again
            self._cache.clear()
        self._cache[(method, path)] = key
        return key

    def _match(self, method: str, path: str) -> str:
        if self._adapter is None:
            self._adapter = self.url_map.bind("localhost")
        adapter = self._adapter
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            key = f"{method} {path}"
            if key in self._unmatched or len(self._unmatched) < MAX_UNMATCHED_KEYS:
                self._unmatched.add(key)
                return key
            return f"{method} (other unmatched paths)"
        return f"{method} {rule.rule}"


def service_route_table() -> tuple[RouteTable | None, str | None]:
    """The route table of `shopbot.create_app()`, or (None, why) when the app cannot be built."""
    try:
        from shopbot import create_app  # type: ignore[attr-defined]

        app: Any = create_app()
        return RouteTable.from_map(app.url_map), None
    except Exception as error:  # the service may be missing or misconfigured: coverage is then off
        return None, f"{type(error).__name__}: {error}"
