"""A local HTTP server that answers the Elasticsearch calls shopbot's real client makes.

Point `ElasticsearchSearch(fake.url)` (or ELASTICSEARCH_URL) at it. Every answer carries
`X-Elastic-Product: Elasticsearch` and the content type the client asked for (the
`compatible-with` vendor type), as a real 8.x/9.x cluster does; the client refuses a
server without them.

    with FakeElasticsearch() as es:             # 127.0.0.1, a free port
        es.url                                  # "http://127.0.0.1:PORT"
        es.add_documents("products", [p.to_dict() for p in products])  # seed without _bulk
        es.delay = 2.0                          # hold every answer back this long (timeouts)
        es.fail_status = 503                    # answer every request with this error status
        es.requests                             # every EsRequest received, oldest first
        es.searches("products")                 # JSON bodies POSTed to /products/_search
        es.documents("products")                # {id: _source} stored
        es.mappings["products"]                 # the mappings sent when the index was created
        es.stop()                               # the port now refuses connections (search down)

`FakeElasticsearch(api_key="k")` answers 401 unless `Authorization: ApiKey k` is sent.
Fixture: `fake_elasticsearch` (import it into your conftest.py).

Endpoints: `GET|HEAD /` (cluster info, version 9.0.0), `HEAD|PUT|DELETE /<index>`,
`GET /<index>/_mapping`, `POST /_bulk` and `/<index>/_bulk` (NDJSON index/create/delete),
`POST /<index>/_refresh`, `GET|POST /<index>/_count`, `GET|POST /<index>/_search`.
Search understands what shopbot sends - `bool` with `must` multi_match (fields with
`^boost`, `brand.text` read as `brand`), `filter` range/term, `should` term boosts - or
`match_all`, and scores by word overlap (best field plus tie_breaker x the others) so
results come back in a meaningful order. Anything else answers 400 `parsing_exception`,
so a drifting query shape fails loudly.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

VERSION = "9.0.0"
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class EsRequest:
    """A request as the server received it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Error(Exception):
    def __init__(self, status: int, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.kind, self.reason = status, kind, reason


def _words(text: Any) -> set[str]:
    words = set(_WORD.findall(str(text).lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


class FakeElasticsearch:
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.delay = 0.0
        self.fail_status: int | None = None
        self.requests: list[EsRequest] = []
        self.mappings: dict[str, Any] = {}
        self._docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._connections: set[socket.socket] = set()
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def __enter__(self) -> FakeElasticsearch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close the listening socket (later connections are refused); idempotent."""
        if not self._stopped.is_set():
            self._stopped.set()  # wakes answers held back by `delay`
            self._server.shutdown()
            self._server.server_close()
            with self._lock:  # kept-alive connections too: nothing answers any more
                for connection in self._connections:
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)

    # -- what tests read and seed ------------------------------------------------------

    def add_documents(self, index: str, docs: list[dict[str, Any]]) -> None:
        with self._lock:
            stored = self._docs.setdefault(index, {})
            for doc in docs:
                stored[str(doc["id"])] = dict(doc)

    def documents(self, index: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._docs.get(index, {}))

    def searches(self, index: str) -> list[Any]:
        return [r.json() for r in self.requests if r.path == f"/{index}/_search"]

    # -- the API -------------------------------------------------------------------------

    def answer(self, request: EsRequest) -> tuple[int, Any]:
        if self.api_key is not None and request.headers.get("authorization") != f"ApiKey {self.api_key}":
            raise _Error(401, "security_exception", "missing authentication credentials for REST request")
        parts = [p for p in request.path.split("/") if p]
        method = request.method
        if not parts:
            return 200, self._info()
        if parts == ["_bulk"] or parts[1:] == ["_bulk"]:
            return 200, self._bulk(request, parts[0] if len(parts) == 2 else None)
        index = parts[0]
        if len(parts) == 1:
            return self._index_api(method, index, request)
        action = parts[1]
        if action != "_mapping" and index not in self._docs:
            raise _Error(404, "index_not_found_exception", f"no such index [{index}]")
        if action == "_refresh" and method == "POST":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if action == "_count":
            return 200, {"count": len(self._docs[index]), "_shards": {"total": 1, "successful": 1}}
        if action == "_mapping" and method == "GET":
            if index not in self.mappings:
                raise _Error(404, "index_not_found_exception", f"no such index [{index}]")
            return 200, {index: {"mappings": self.mappings[index]}}
        if action == "_search" and method in {"GET", "POST"}:
            return 200, self._search(index, request.json() or {})
        raise _Error(400, "illegal_argument_exception", f"fake does not serve {method} {request.path}")

    def _info(self) -> dict[str, Any]:
        return {
            "name": "fake-node", "cluster_name": "fake", "cluster_uuid": "fake-cluster-uuid",
            "version": {"number": VERSION, "build_flavor": "default", "build_type": "docker",
                        "lucene_version": "10.1.0", "minimum_wire_compatibility_version": "8.18.0",
                        "minimum_index_compatibility_version": "8.0.0"},
            "tagline": "You Know, for Search",
        }

    def _index_api(self, method: str, index: str, request: EsRequest) -> tuple[int, Any]:
        with self._lock:
            exists = index in self._docs
            if method == "HEAD":
                return (200 if exists else 404), None
            if method == "PUT":
                if exists:
                    raise _Error(400, "resource_already_exists_exception", f"index [{index}] already exists")
                self._docs[index] = {}
                self.mappings[index] = (request.json() or {}).get("mappings", {})
                return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index}
            if method == "DELETE" and exists:
                del self._docs[index]
                self.mappings.pop(index, None)
                return 200, {"acknowledged": True}
        raise _Error(404, "index_not_found_exception", f"no such index [{index}]")

    def _bulk(self, request: EsRequest, default_index: str | None) -> dict[str, Any]:
        if "ndjson" not in request.headers.get("content-type", ""):
            raise _Error(400, "illegal_argument_exception", "_bulk needs an x-ndjson body")
        lines = [json.loads(line) for line in request.body.splitlines() if line.strip()]
        items: list[dict[str, Any]] = []
        with self._lock:
            while lines:
                (op, meta), = lines.pop(0).items()
                index, doc_id = meta.get("_index", default_index), str(meta.get("_id"))
                docs = self._docs.setdefault(index, {})
                if op == "delete":
                    found = docs.pop(doc_id, None) is not None
                    items.append({op: {"_index": index, "_id": doc_id, "status": 200 if found else 404,
                                       "result": "deleted" if found else "not_found"}})
                    continue
                source = lines.pop(0)
                created = doc_id not in docs
                docs[doc_id] = source
                items.append({op: {"_index": index, "_id": doc_id, "status": 201 if created else 200,
                                   "result": "created" if created else "updated"}})
        return {"took": 1, "errors": False, "items": items}

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        scored = []
        for doc_id, source in self.documents(index).items():
            score = _score(body.get("query", {"match_all": {}}), source)
            if score is not None:
                scored.append((score, doc_id, source))
        scored.sort(key=lambda hit: (-hit[0], hit[1]))
        size = int(body.get("size", 10))
        hits = [{"_index": index, "_id": doc_id, "_score": score, "_source": source}
                for score, doc_id, source in scored[:size]]
        return {
            "took": 1, "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": len(scored), "relation": "eq"},
                     "max_score": hits[0]["_score"] if hits else None, "hits": hits},
        }


def _score(query: dict[str, Any], doc: dict[str, Any]) -> float | None:
    """The document's score, or None when it does not match."""
    (kind, spec), = query.items()
    if kind == "match_all":
        return 1.0
    if kind == "multi_match":
        wanted = _words(spec["query"])
        per_field = []
        for field in spec["fields"]:
            name, _, boost = field.partition("^")
            overlap = len(wanted & _words(doc.get(name.removesuffix(".text"), "")))
            per_field.append(overlap * float(boost or 1))
        best = max(per_field, default=0.0)
        if best == 0:
            return None
        return best + float(spec.get("tie_breaker", 0.0)) * (sum(per_field) - best)
    if kind == "range":
        (field, bounds), = spec.items()
        value = doc.get(field)
        ops = {"lte": float.__le__, "lt": float.__lt__, "gte": float.__ge__, "gt": float.__gt__}
        ok = value is not None and all(ops[op](float(value), float(limit)) for op, limit in bounds.items())
        return 0.0 if ok else None
    if kind == "term":
        (field, value), = spec.items()
        wanted = value["value"] if isinstance(value, dict) else value
        boost = float(value.get("boost", 1.0)) if isinstance(value, dict) else 1.0
        return boost if doc.get(field) == wanted else None
    if kind == "bool":
        total = 0.0
        for clause in _clauses(spec, "must") + _clauses(spec, "filter"):
            score = _score(clause, doc)
            if score is None:
                return None
            total += score
        for clause in _clauses(spec, "should"):
            total += _score(clause, doc) or 0.0
        return total
    raise _Error(400, "parsing_exception", f"unknown query [{kind}]")


def _clauses(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    clauses = spec.get(name, [])
    return clauses if isinstance(clauses, list) else [clauses]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real cluster
    server_fake: FakeElasticsearch

    def _handle(self) -> None:
        fake = self.server_fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = EsRequest(self.command, split.path, parse_qs(split.query),
                            {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
        with fake._lock:
            fake.requests.append(request)
        if fake.delay and fake._stopped.wait(fake.delay):
            self.close_connection = True
            return
        try:
            if fake.fail_status is not None:
                raise _Error(fake.fail_status, "fake_failure", "the fake was told to fail")
            status, body = fake.answer(request)
        except _Error as error:
            status, body = error.status, {"error": {"type": error.kind, "reason": error.reason,
                                                    "root_cause": [{"type": error.kind,
                                                                    "reason": error.reason}]},
                                          "status": error.status}
        self._send(status, body, request)

    def _send(self, status: int, body: Any, request: EsRequest) -> None:
        accept = request.headers.get("accept", "")
        compat = re.search(r"compatible-with=(\d+)", accept)
        ctype = (f"application/vnd.elasticsearch+json;compatible-with={compat.group(1)}"
                 if compat else "application/json")
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `requests` instead."""

    def setup(self) -> None:
        super().setup()
        with self.server_fake._lock:
            self.server_fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server_fake._lock:
            self.server_fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            self.close_connection = True


@pytest.fixture
def fake_elasticsearch() -> Iterator[FakeElasticsearch]:
    """A running fake cluster for one test, stopped afterwards."""
    with FakeElasticsearch() as fake:
        yield fake

