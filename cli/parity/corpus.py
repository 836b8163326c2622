"""Requests to replay: YAML/JSON/JSONL corpora, HAR files, ALB access logs, or a smoke corpus.

Every reader yields `CorpusRequest`s lazily so a million-line access log never sits in
memory; a malformed entry stops the run *before* anything is sent, naming file, line and
reason (`validate_corpora` walks every file once first).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlencode, urlsplit

import yaml

from ..errors import CliError, ExitStatus
from .routes import RouteTable

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
METHODS = frozenset({"GET", "HEAD", "OPTIONS", *MUTATING})
# Request headers a replay must not copy: the client sets them for the new connection.
HOP_BY_HOP = frozenset({"host", "content-length", "connection", "keep-alive", "transfer-encoding",
                        "accept-encoding", "upgrade", "te", "trailer", "proxy-connection"})
ALB_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})


class CorpusError(CliError):
    """A corpus entry that cannot be replayed: `file:line: reason`."""

    status = ExitStatus.ERROR


@dataclass(frozen=True)
class Rules:
    """Per-route comparison rules: JSON paths (or `headers.<name>`) to skip or compare by shape, and the
    noise thresholds and sample minimums of the route (None: the settings' value)."""

    ignore: tuple[str, ...] = ()
    shape_only: tuple[str, ...] = ()
    relative: float | None = None       # noise: relative threshold (0.2 = 20% above the within-side rate)
    absolute: float | None = None       # noise: absolute threshold (0.02 = 2 points)
    min_samples: int | None = None      # noise: samples per field before it can be called noise
    min_requests: int | None = None     # gate: requests per route before its verdict counts

    def merged(self, other: Rules) -> Rules:
        def pick(mine: Any, theirs: Any) -> Any:
            return theirs if theirs is not None else mine

        return Rules(self.ignore + other.ignore, self.shape_only + other.shape_only,
                     pick(self.relative, other.relative), pick(self.absolute, other.absolute),
                     pick(self.min_samples, other.min_samples), pick(self.min_requests, other.min_requests))


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
    body_unknown: bool = False      # the source logs no bodies (ALB): a mutation cannot be compared as is

    @property
    def mutating(self) -> bool:
        return self.method in MUTATING

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass(frozen=True)
class Skipped:
    """An entry of a corpus that is deliberately not replayed, and why (counted and named in the report)."""

    source: str
    reason: str       # short and stable: it is the key the summary counts by


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def checked(request: CorpusRequest) -> CorpusRequest:
    """Refuse at load what cannot go on the wire (control characters, CR/LF, bad header names).

    Spaces and non-ASCII characters in the path are percent-encoded, as a browser would.
    """
    where = request.source
    for part, value in (("path", request.path), ("query", request.query)):
        if _CONTROL.search(value):
            raise CorpusError(f"{where}: the {part} contains a control character or CR/LF "
                              f"({value[:60]!r}); remove it or percent-encode it")
    for name, value in request.headers:
        if not _HEADER_NAME.match(name):
            raise CorpusError(f"{where}: header name {name[:60]!r} is not a valid HTTP header name")
        if _CONTROL.search(value.replace("\t", " ")):
            raise CorpusError(f"{where}: header {name} contains a control character or CR/LF ({value[:60]!r})")
    path, query = request.path, request.query
    if not (path.isascii() and " " not in path):
        path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    if not (query.isascii() and " " not in query):
        query = quote(query, safe="/%:@!$&'()*+,;=-._~?")
    if (path, query) != (request.path, request.query):
        return replace(request, path=path, query=query)
    return request


def split_url(url: str, where: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise CorpusError(f"{where}: malformed URL {url[:80]!r} ({error})") from error
    return parts


# --------------------------------------------------------------------------- readers


def read_corpus(path: Path) -> Iterator[CorpusRequest]:
    """Yield the requests of one corpus file (skipped entries left out: see `read_entries`)."""
    for entry in read_entries(path):
        if isinstance(entry, CorpusRequest):
            yield entry


def read_entries(path: Path) -> Iterator[CorpusRequest | Skipped]:
    """Yield the requests and the deliberately skipped entries of one corpus file.

    The reader is chosen by name, then by content: a HAR or an API Gateway event saved as .json
    is read as what it is.
    """
    from . import formats  # the HAR / ALB / event readers build on this module's model

    if not path.is_file():
        raise CorpusError(f"{path}: corpus file not found (check the --corpus path)")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".har"):
        yield from formats.read_har(path, _parse_json(path, "HAR JSON"))
    elif name.endswith(".jsonl"):
        yield from _read_jsonl(path)
    elif name.endswith(".json"):
        data = _parse_json(path, "JSON")
        if formats.is_har(data):
            yield from formats.read_har(path, data)
        elif formats.is_apigw_event(data):
            yield from formats.read_apigw_event(path, data)
        else:
            yield from _read_document(path, data)
    elif name.endswith((".yaml", ".yml")):
        yield from _read_document(path, None)
    elif name.endswith((".log", ".txt")) or _looks_like_alb(path):
        yield from formats.read_alb(path, _open_text(path))
    else:
        raise CorpusError(
            f"{path}: unknown corpus format (use .yaml/.yml/.json/.jsonl, .har, or an ALB access log .log/.gz)"
        )


def _parse_json(path: Path, what: str) -> Any:
    text = "".join(_open_text(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}:{error.lineno}: not valid {what} ({error.msg})") from error
    except RecursionError as error:
        raise CorpusError(f"{path}:1: not valid {what} (nested too deeply)") from error


def _open_text(path: Path) -> Iterator[str]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    try:
        if gzipped:
            with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
                yield from handle
        else:
            with path.open(encoding="utf-8-sig") as handle:  # exports may start with a UTF-8 BOM
                yield from handle
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read ({error})") from error


def _looks_like_alb(path: Path) -> bool:
    first = next(iter(_open_text(path)), "")
    return first.split(" ", 1)[0] in ALB_TYPES


MAX_ALIASES = 0  # YAML aliases (*name) are refused: a few lines of them can expand to gigabytes


def _read_document(path: Path, data: Any) -> Iterator[CorpusRequest]:
    text = "".join(_open_text(path))
    if data is None:
        data = _parse_yaml(path, text)
    lines = _item_lines(text)
    if isinstance(data, list):
        items, route_rules = data, dict[str, Any]()
    elif isinstance(data, dict) and isinstance(data.get("requests"), list):
        items, route_rules = data["requests"], data.get("rules") or {}
        if not isinstance(route_rules, dict):
            raise CorpusError(f"{path}:1: `rules` must map 'METHOD /route' to {{ignore, shape_only}}")
    else:
        raise CorpusError(f"{path}:1: expected a list of requests or a mapping with a `requests:` list")
    shared = tuple((str(key), _rules(value, f"{path}:1: rules[{str(key)!r}]")) for key, value in route_rules.items())
    for index, item in enumerate(items):
        where = f"{path}:{lines[index] if index < len(lines) else 1}"
        yield replace(_from_mapping(item, where), route_rules=shared)


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise CorpusError(f"{path}:{line}: YAML aliases (*name) are not allowed in a corpus "
                                  "(they can expand without bound); write the value out")
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CorpusError(f"{path}:{line}: not valid YAML ({problem})") from error
    except RecursionError as error:
        raise CorpusError(f"{path}:1: not valid YAML (nested too deeply)") from error


def _item_lines(text: str) -> list[int]:
    """1-based line of each request item, from YAML's node marks (JSON is YAML too)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
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
        if isinstance(extra, dict):
            pairs = list(extra.items())
        elif all(isinstance(pair, list | tuple) and len(pair) == 2 for pair in extra):
            pairs = [(pair[0], pair[1]) for pair in extra]
        else:
            raise CorpusError(f"{where}: `query` must be a mapping or a list of [name, value] pairs "
                              f"(got {short_repr(extra)})")
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
    return checked(CorpusRequest(method, path, query, headers, body, safe, source, rules, session_of(path, body)))


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple((str(k), str(v)) for k, v in raw.items())
    if isinstance(raw, list) and all(isinstance(p, list | tuple) and len(p) == 2 for p in raw):
        return tuple((str(k), str(v)) for k, v in raw)
    raise CorpusError(f"{where}: `headers` must be a mapping or a list of [name, value] pairs")


RULE_KEYS = ("ignore", "shape_only", "relative", "absolute", "min_samples", "min_requests")


def _rules(raw: Any, where: str) -> Rules:
    if raw is None:
        return Rules()
    if not isinstance(raw, dict) or set(raw) - set(RULE_KEYS):
        raise CorpusError(f"{where}: `rules` takes only {', '.join(RULE_KEYS)} (ignore/shape_only: lists of "
                          "paths; relative/absolute: rates 0..1; min_samples/min_requests: whole numbers >= 1)")
    lists = {}
    for key in ("ignore", "shape_only"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CorpusError(f"{where}: rules.{key} must be a list of paths such as '$.reply'")
        lists[key] = tuple(value)
    rates: dict[str, float | None] = {}
    for key in ("relative", "absolute"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not 0 <= value <= 1):
            raise CorpusError(f"{where}: rules.{key} must be a rate from 0 to 1 (got {value!r})")
        rates[key] = None if value is None else float(value)
    counts: dict[str, int | None] = {}
    for key in ("min_samples", "min_requests"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise CorpusError(f"{where}: rules.{key} must be a whole number >= 1 (got {value!r})")
        counts[key] = value
    return Rules(lists["ignore"], lists["shape_only"], rates["relative"], rates["absolute"],
                 counts["min_samples"], counts["min_requests"])


# --------------------------------------------------------------------------- sessions


SIDE_TAGS = ("p1", "c1", "p2", "c2")
_CHAT_PATH = re.compile(r"^/api/chat/([^/]+)$")


def session_of(path: str, body: bytes | None) -> str | None:
    """The chat session a request touches (path segment or `session_id` in a JSON body)."""
    match = _CHAT_PATH.match(path)
    if match:
        return match.group(1)
    if body and b"session_id" in body:
        try:
            value = json.loads(body).get("session_id")
        except (ValueError, AttributeError, RecursionError):
            return None
        return value if isinstance(value, str) and value else None
    return None


def side_session(session_id: str, tag: str) -> str:
    """A distinct session id per side and repetition (`tag`: p1, c1, p2, c2), in the same format as the original."""
    return _side_sessions(session_id)[tag]


@functools.lru_cache(maxsize=1024)
def _side_sessions(session_id: str) -> dict[str, str]:
    """All four at once, cached (bounded): a request is sent four times, and a session's requests come together."""
    try:
        uuid.UUID(session_id)
    except ValueError:
        return {tag: f"{session_id}-{tag}" for tag in SIDE_TAGS}
    derived = {tag: uuid.uuid5(uuid.NAMESPACE_URL, f"{session_id}/{tag}") for tag in SIDE_TAGS}
    return {tag: str(value) if "-" in session_id else value.hex for tag, value in derived.items()}


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


MAX_BODIES_PER_ROUTE = 16   # bodies kept per route to lend to requests logged without one
MAX_SKIPPED_LISTED = 50
KEEP_BYTES = 32 << 20       # validated requests kept for the replay up to about this; past it, read again


@dataclass
class Loaded:
    """What validating the corpus found: requests, skipped entries by reason, and bodies to lend by route.

    `kept` holds the routed requests themselves while they fit in KEEP_BYTES, so the replay sends
    exactly what was validated without reading and parsing the files a second time; None past it.
    """

    count: int = 0
    digest: str = ""
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_listed: list[str] = field(default_factory=list)
    bodies: dict[str, list[tuple[bytes, tuple[tuple[str, str], ...], str]]] = field(default_factory=dict)
    kept: list[CorpusRequest] | None = field(default_factory=list)
    kept_bytes: int = 0

    def skip(self, entry: Skipped) -> None:
        self.skipped[entry.reason] = self.skipped.get(entry.reason, 0) + 1
        if len(self.skipped_listed) < MAX_SKIPPED_LISTED:
            self.skipped_listed.append(f"{entry.source}: {entry.reason}")

    def keep_body(self, request: CorpusRequest) -> None:
        if not request.mutating or request.body is None:
            return
        kept = self.bodies.setdefault(request.route, [])
        if len(kept) < MAX_BODIES_PER_ROUTE:
            types = tuple((k, v) for k, v in request.headers if k.lower() == "content-type")
            kept.append((request.body, types, request.source))

    def keep(self, request: CorpusRequest) -> None:
        """Keep a routed request for the replay, or give up keeping once the corpus outgrows KEEP_BYTES."""
        if self.kept is None:
            return
        # a rough size: the object and its strings (~600 bytes for a small request) plus what varies
        self.kept_bytes += 600 + len(request.target) + len(request.source) + len(request.body or b"") \
            + sum(len(name) + len(value) + 100 for name, value in request.headers)
        if self.kept_bytes > KEEP_BYTES:
            self.kept = None
        else:
            self.kept.append(request)


def iter_corpora(paths: Sequence[Path], table: RouteTable | None,
                 loaded: Loaded | None = None) -> Iterator[CorpusRequest]:
    """Every request, routed; a mutation logged without its body borrows one of the same route, if any.

    `loaded` is what `validate_corpora` found for the same paths and table: its kept requests
    are replayed as they are, or else the files are read again.
    """
    if loaded is not None and loaded.kept is not None:
        routed: Iterable[CorpusRequest] = loaded.kept
    else:
        routed = (assign_route(request, table) for path in paths for request in read_corpus(path))
    lent: dict[str, int] = {}
    for request in routed:
        if request.body_unknown and request.mutating and loaded and loaded.bodies.get(request.route):
            pool = loaded.bodies[request.route]
            body, types, origin = pool[lent.get(request.route, 0) % len(pool)]
            lent[request.route] = lent.get(request.route, 0) + 1
            headers = tuple(h for h in request.headers if h[0].lower() != "content-type") + types
            request = replace(request, body=body, headers=headers, body_unknown=False,
                              source=f"{request.source} (body from {origin})",
                              session_id=session_of(request.path, body))
        yield request


def assign_route(request: CorpusRequest, table: RouteTable | None) -> CorpusRequest:
    route = table.match(request.method, request.path) if table else f"{request.method} {request.path}"
    rules = request.rules
    for wanted in ("*", route):  # a route's own block wins over the `*` block
        for key, extra in request.route_rules:
            if key == wanted:
                rules = rules.merged(extra)
    return replace(request, route=route, rules=rules, route_rules=())


def validate_corpora(paths: Sequence[Path], table: RouteTable | None = None) -> Loaded:
    """Read every file once before sending anything: counts, skipped entries, sha256, bodies by route,
    and the requests themselves while they fit (see `Loaded`)."""
    digest = hashlib.sha256()
    loaded = Loaded()
    for path in paths:
        for entry in read_entries(path):
            if isinstance(entry, Skipped):
                loaded.skip(entry)
                continue
            loaded.count += 1
            if loaded.kept is not None or (entry.mutating and entry.body is not None):
                routed = assign_route(entry, table)
                loaded.keep(routed)
                loaded.keep_body(routed)
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    if loaded.count == 0:
        names = ", ".join(str(p) for p in paths)
        skipped = f" ({sum(loaded.skipped.values())} entries skipped: {_reasons(loaded.skipped)})" \
            if loaded.skipped else ""
        raise CorpusError(f"{names}: the corpus has no requests to replay{skipped} (add at least one)")
    loaded.digest = digest.hexdigest()
    return loaded


def _reasons(counts: dict[str, int]) -> str:
    return "; ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))


def corpus_digest(requests: Iterable[CorpusRequest]) -> str:
    """sha256 of a generated corpus, stable across runs."""
    digest = hashlib.sha256()
    for r in requests:
        digest.update(json.dumps([r.method, r.target, list(r.headers), (r.body or b"").decode(errors="replace"),
                                  r.safe]).encode())
    return digest.hexdigest()
