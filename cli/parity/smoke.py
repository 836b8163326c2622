"""A smoke corpus generated from the service's route table: every route, plus its error shapes.

Known routes get meaningful requests (a search with results, a chat turn, its history,
its deletion); unknown routes get a request built from the rule's arguments. The chat
requests share one session id and stay consecutive, so the runner replays them in order;
they are marked safe because they only touch that fresh session.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import yaml

from .corpus import CorpusRequest, Rules, assign_route
from .routes import RouteTable

# The LLM's free text is compared by shape; timestamps are left to the noise filter (format-checked).
CHAT_RULES = Rules(shape_only=("$.reply", "$.turns[].content"))
SEARCH_QUERIES = ("running shoes", "headphones", "coffee")


def smoke_corpus(table: RouteTable, session_id: str | None = None, repeat: int = 3) -> list[CorpusRequest]:
    """Requests for every route of `table`: stateless ones `repeat` times (enough latency samples for
    the budget), then the chat session in an order that works (create, read, delete, read)."""
    first = session_id or f"parity-smoke-{uuid.uuid4().hex[:12]}"
    # one chat session per repetition, so chat fields (timestamps) get as many samples as the rest
    sids = [first, *(f"{first}-{n}" for n in range(2, repeat + 1))]
    requests: list[CorpusRequest] = []
    for route in table.routes:
        requests.extend(_for_route(route, table, first))
    requests.append(CorpusRequest("GET", "/api/no-such-route", source="smoke: unknown path (404 shape)"))
    ordered = [r for r in requests if not r.session_id] * repeat
    for sid in sids:
        session = [r for route in table.routes for r in _for_route(route, table, sid) if r.session_id]
        ordered.extend(sorted(session, key=_chat_order))
    return [assign_route(r, table) for r in ordered]


def _chat_order(request: CorpusRequest) -> int:
    """Create the session, read it, delete it, then read it again (404)."""
    return {"POST": 0, "GET": 1, "DELETE": 2}.get(request.method, 3) + (3 if "after delete" in request.source
                                                                           else 0)


def _for_route(route: str, table: RouteTable, sid: str) -> list[CorpusRequest]:
    method, rule = route.split(" ", 1)
    source = f"smoke: {route}"
    if route == "GET /api/products/search":
        found = [CorpusRequest("GET", rule, f"q={q.replace(' ', '+')}&limit=3", source=source)
                 for q in SEARCH_QUERIES]
        return [*found, CorpusRequest("GET", rule, "", source=f"{source} (missing q: 400 shape)"),
                CorpusRequest("GET", rule, "q=shoes&limit=abc", source=f"{source} (bad limit: 400 shape)")]
    if route == "POST /api/chat":
        body = json.dumps({"message": "I need running shoes under 100 dollars", "session_id": sid}).encode()
        return [CorpusRequest("POST", rule, "", (("Content-Type", "application/json"),), body, True, source,
                              CHAT_RULES, sid),
                CorpusRequest("POST", rule, "", (("Content-Type", "application/json"),), b"{not json", True,
                              f"{source} (bad JSON: 400 shape)")]
    if "<session_id>" in rule:
        path = rule.replace("<session_id>", sid)
        requests = [CorpusRequest(method, path, safe=True, source=source, rules=CHAT_RULES, session_id=sid)]
        if method == "GET":
            requests.append(CorpusRequest(method, path, safe=True, source=f"{source} (after delete: 404)",
                                          rules=CHAT_RULES, session_id=sid))
        return requests
    arguments = table.rules[route].arguments
    path = rule
    for name in arguments:
        path = _replace_argument(path, name)
    return [CorpusRequest(method, path, source=source, safe=method in ("GET", "HEAD"))]


def _replace_argument(rule: str, name: str) -> str:
    start = rule.find("<")
    while start != -1:
        end = rule.find(">", start)
        token = rule[start:end + 1]
        if token.rstrip(">").split(":")[-1] == name:
            sample = "1" if token.startswith(("<int:", "<float:")) else "sample"
            return rule.replace(token, sample)
        start = rule.find("<", end)
    return rule


def write_corpus(requests: list[CorpusRequest], path: Path) -> None:
    """Write requests as a YAML corpus a person can edit and pass back with --corpus."""
    items = []
    for r in requests:
        item: dict[str, object] = {"method": r.method, "path": r.target, "name": r.source}
        if r.headers:
            item["headers"] = dict(r.headers)
        if r.body is not None:
            item["body"] = r.body.decode(errors="replace")
        if r.safe:
            item["safe"] = True
        if r.rules.ignore or r.rules.shape_only:
            item["rules"] = {"ignore": list(r.rules.ignore), "shape_only": list(r.rules.shape_only)}
        items.append(item)
    path.write_text(yaml.safe_dump({"version": 1, "requests": items}, sort_keys=False))
