"""Requests to replay: YAML/JSON/JSONL corpora, HAR files, ALB access logs, or a smoke corpus.

Every reader yields `CorpusRequest`s lazily so a million-line access log never sits in
memory; a malformed entry stops the run *before* anything is sent, naming file, line and
reason (`validate_corpora` walks every file once first).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import yaml

from ..errors import CliError, ExitStatus
from .routes import RouteTable

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
METHODS = frozenset({"GET", "HEAD", "OPTIONS", *MUTATING})
# Request headers a replay must not copy: the client sets them for the new connection.
HOP_BY_HOP = frozenset({"host", "content-length", "connection", "keep-alive", "transfer-encoding",
                        "accept-encoding", "upgrade", "te", "trailer", "proxy-connection"})
ALB_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})
_ALB_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')


class CorpusError(CliError):
    """A corpus entry that cannot be replayed: `file:line: reason`."""

    status = ExitStatus.ERROR


@dataclass(frozen=True)
class Rules:
    """Per-route comparison rules: JSON paths (or `headers.<name>`) to skip or compare by shape."""

    ignore: tuple[str, ...] = ()
    shape_only: tuple[str, ...] = ()

    def merged(self, other: Rules) -> Rules:
        return Rules(self.ignore + other.ignore, self.shape_only + other.shape_only)


@dataclass(frozen=True)
class CorpusRequest:
    method: str
    path: str                       # starts with "/", no query
    query: str = ""                 # raw, already encoded
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    safe: bool = False              # the corpus says a mutation may be replayed
    source: str = ""                # "file:line" for messages
    rules: Rules = field(default_factory=Rules)
    session_id: str | None = None   # chat session this request belongs to (kept apart per side)
    route: str = ""                 # filled by `assign_route`
    route_rules: tuple[tuple[str, Rules], ...] = ()  # the file's `rules:` block, applied by route

    @property
    def mutating(self) -> bool:
        return self.method in MUTATING

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


# --------------------------------------------------------------------------- readers


def read_corpus(path: Path) -> Iterator[CorpusRequest]:
    """Yield the requests of one corpus file, choosing the reader by name and content."""
    if not path.is_file():
        raise CorpusError(f"{path}: corpus file not found (check the --corpus path)")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".har"):
        yield from _read_har(path)
    elif name.endswith(".jsonl"):
        yield from _read_jsonl(path)
    elif name.endswith((".yaml", ".yml", ".json")):
        yield from _read_document(path)
    elif name.endswith((".log", ".txt")) or _looks_like_alb(path):
        yield from _read_alb(path)
    else:
        raise CorpusError(
            f"{path}: unknown corpus format (use .yaml/.yml/.json/.jsonl, .har, or an ALB access log .log/.gz)"
        )


def _open_text(path: Path) -> Iterator[str]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    try:
        if gzipped:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                yield from handle
        else:
            with path.open(encoding="utf-8") as handle:
                yield from handle
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read ({error})") from error


def _looks_like_alb(path: Path) -> bool:
    first = next(iter(_open_text(path)), "")
    return first.split(" ", 1)[0] in ALB_TYPES


def _read_document(path: Path) -> Iterator[CorpusRequest]:
    text = "".join(_open_text(path))
    try:
        data = json.loads(text) if path.name.lower().removesuffix(".gz").endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CorpusError(f"{path}:{line}: not valid YAML ({problem})") from error
    lines = _item_lines(text)
    if isinstance(data, list):
        items, route_rules = data, dict[str, Any]()
    elif isinstance(data, dict) and isinstance(data.get("requests"), list):
        items, route_rules = data["requests"], data.get("rules") or {}
        if not isinstance(route_rules, dict):
            raise CorpusError(f"{path}:1: `rules` must map 'METHOD /route' to {{ignore, shape_only}}")
    else:
        raise CorpusError(f"{path}:1: expected a list of requests or a mapping with a `requests:` list")
    shared = tuple((str(key), _rules(value, f"{path}:1: rules[{key}]")) for key, value in route_rules.items())
    for index, item in enumerate(items):
        where = f"{path}:{lines[index] if index < len(lines) else 1}"
        yield replace(_from_mapping(item, where), route_rules=shared)


def _item_lines(text: str) -> list[int]:
    """1-based line of each request item, from YAML's node marks (JSON is YAML too)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "requests":
                node = value
                break
    if isinstance(node, yaml.SequenceNode):
        return [item.start_mark.line + 1 for item in node.value]
    return []


def _read_jsonl(path: Path) -> Iterator[CorpusRequest]:
    for number, line in enumerate(_open_text(path), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        yield _from_mapping(item, f"{path}:{number}")


def _from_mapping(item: Any, where: str) -> CorpusRequest:
    if not isinstance(item, dict):
        raise CorpusError(f"{where}: a request must be a mapping with at least `path`")
    unknown = set(item) - {"method", "path", "query", "headers", "json", "body", "safe", "rules", "name"}
    if unknown:
        raise CorpusError(f"{where}: unknown key(s) {sorted(unknown)} (known: method, path, query, headers, "
                          "json, body, safe, rules, name)")
    method = str(item.get("method", "GET")).upper()
    if method not in METHODS:
        raise CorpusError(f"{where}: unknown method {method!r} (use one of {', '.join(sorted(METHODS))})")
    raw_path = item.get("path")
    if not isinstance(raw_path, str) or not raw_path.startswith("/"):
        raise CorpusError(f"{where}: `path` must be a string starting with '/' (got {raw_path!r})")
    path, _, query = raw_path.partition("?")
    extra = item.get("query")
    if extra:
        if not isinstance(extra, dict | list):
            raise CorpusError(f"{where}: `query` must be a mapping or a list of [name, value] pairs")
        pairs = list(extra.items()) if isinstance(extra, dict) else [tuple(pair) for pair in extra]
        encoded = urlencode([(str(k), str(v)) for k, v in pairs])
        query = f"{query}&{encoded}" if query else encoded
    headers = _headers(item.get("headers"), where)
    if "json" in item and "body" in item:
        raise CorpusError(f"{where}: give either `json` or `body`, not both")
    body: bytes | None = None
    if "json" in item:
        body = json.dumps(item["json"]).encode()
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers = (*headers, ("Content-Type", "application/json"))
    elif item.get("body") is not None:
        if not isinstance(item["body"], str):
            raise CorpusError(f"{where}: `body` must be a string (use `json:` for structured bodies)")
        body = item["body"].encode()
    safe = item.get("safe", False)
    if not isinstance(safe, bool):
        raise CorpusError(f"{where}: `safe` must be true or false")
    rules = _rules(item.get("rules"), where)
    source = f"{where} ({item['name']})" if item.get("name") else where
    return CorpusRequest(method, path, query, headers, body, safe, source, rules, _session_of(path, body))


def _headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple((str(k), str(v)) for k, v in raw.items())
    if isinstance(raw, list) and all(isinstance(p, list | tuple) and len(p) == 2 for p in raw):
        return tuple((str(k), str(v)) for k, v in raw)
    raise CorpusError(f"{where}: `headers` must be a mapping or a list of [name, value] pairs")


def _rules(raw: Any, where: str) -> Rules:
    if raw is None:
        return Rules()
    if not isinstance(raw, dict) or set(raw) - {"ignore", "shape_only"}:
        raise CorpusError(f"{where}: `rules` takes only `ignore` and `shape_only` (lists of paths)")
    lists = {}
    for key in ("ignore", "shape_only"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CorpusError(f"{where}: rules.{key} must be a list of paths such as '$.reply'")
        lists[key] = tuple(value)
    return Rules(lists["ignore"], lists["shape_only"])


def _read_har(path: Path) -> Iterator[CorpusRequest]:
    text = "".join(_open_text(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}:{error.lineno}: not valid HAR JSON ({error.msg})") from error
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CorpusError(f"{path}:1: not a HAR file (no log.entries list)")
    for index, entry in enumerate(entries):
        where = f"{path}: entry {index}"
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            raise CorpusError(f"{where}: entry has no request.url")
        method = str(request.get("method", "GET")).upper()
        if method not in METHODS:
            raise CorpusError(f"{where}: unknown method {method!r}")
        parts = urlsplit(request["url"])
        headers = tuple(
            (str(h["name"]), str(h["value"])) for h in request.get("headers", [])
            if isinstance(h, dict) and "name" in h and not str(h["name"]).startswith(":")
            and str(h["name"]).lower() not in HOP_BY_HOP
        )
        text_body = (request.get("postData") or {}).get("text")
        body = text_body.encode() if isinstance(text_body, str) else None
        yield CorpusRequest(method, parts.path or "/", parts.query, headers, body, False, where,
                            session_id=_session_of(parts.path or "/", body))


def _read_alb(path: Path) -> Iterator[CorpusRequest]:
    """AWS ALB access log lines (documented space-separated format, quoted fields).

    Lines whose request is "- - -" (a client that never sent one, e.g. a failed TLS handshake)
    are skipped; bodies are not logged, so POSTs replay without one (and only when allowed).
    """
    for number, line in enumerate(_open_text(path), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        fields = _ALB_FIELD.findall(line)
        if len(fields) < 14 or fields[0] not in ALB_TYPES:
            raise CorpusError(f"{where}: not an ALB access log line (expected 'type time elb client ... "
                              f"\"request\" \"user_agent\" ...', got {len(fields)} fields)")
        request_line = fields[12].strip('"').split(" ")
        if request_line[0] == "-":
            continue  # the ALB logs connections that never made a request ("- - -"): nothing to replay
        if len(request_line) != 3:
            raise CorpusError(f"{where}: request field is not 'METHOD URL PROTOCOL' ({fields[12][:80]})")
        method, url = request_line[0].upper(), request_line[1]
        if method not in METHODS:
            raise CorpusError(f"{where}: unknown method {method!r}")
        parts = urlsplit(url)
        agent = fields[13].strip('"')
        headers = (("User-Agent", agent),) if agent and agent != "-" else ()
        yield CorpusRequest(method, parts.path or "/", parts.query, headers, None, False, where,
                            session_id=_session_of(parts.path or "/", None))


# --------------------------------------------------------------------------- sessions


_CHAT_PATH = re.compile(r"^/api/chat/([^/]+)$")


def _session_of(path: str, body: bytes | None) -> str | None:
    """The chat session a request touches (path segment or `session_id` in a JSON body)."""
    match = _CHAT_PATH.match(path)
    if match:
        return match.group(1)
    if body and b"session_id" in body:
        try:
            value = json.loads(body).get("session_id")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) and value else None
    return None


def side_session(session_id: str, tag: str) -> str:
    """A distinct session id per side and repetition, in the same format as the original."""
    try:
        uuid.UUID(session_id)
    except ValueError:
        return f"{session_id}-{tag}"
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"{session_id}/{tag}")
    return str(derived) if "-" in session_id else derived.hex


# --------------------------------------------------------------------------- many files


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for every file under it (ALB writes one .log.gz per 5 minutes)."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not found:
                raise CorpusError(f"{path}: folder has no corpus files")
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded


def iter_corpora(paths: Sequence[Path], table: RouteTable | None) -> Iterator[CorpusRequest]:
    for path in paths:
        for request in read_corpus(path):
            yield assign_route(request, table)


def assign_route(request: CorpusRequest, table: RouteTable | None) -> CorpusRequest:
    route = table.match(request.method, request.path) if table else f"{request.method} {request.path}"
    rules = request.rules
    for key, extra in request.route_rules:
        if key == route:
            rules = rules.merged(extra)
    return replace(request, route=route, rules=rules, route_rules=())


def validate_corpora(paths: Sequence[Path]) -> tuple[int, str]:
    """Read every file once before sending anything: (request count, sha256 of the files)."""
    digest = hashlib.sha256()
    count = 0
    for path in paths:
        for _ in read_corpus(path):
            count += 1
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    if count == 0:
        names = ", ".join(str(p) for p in paths)
        raise CorpusError(f"{names}: the corpus has no requests (add at least one)")
    return count, digest.hexdigest()


def corpus_digest(requests: Iterable[CorpusRequest]) -> str:
    """sha256 of a generated corpus, stable across runs."""
    digest = hashlib.sha256()
    for r in requests:
        digest.update(json.dumps([r.method, r.target, list(r.headers), (r.body or b"").decode(errors="replace"),
                                  r.safe]).encode())
    return digest.hexdigest()
