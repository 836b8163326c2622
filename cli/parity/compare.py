"""Compare two responses: status, header multisets, cookies, and bodies (JSON by structure).

Each `Diff` carries a generalised key (`$.products[].price`, `headers.etag`) so the noise
filter can pool evidence per field across requests, and the value *format* on each side
(`iso-datetime`, `epoch-s`, ...) so a noisy field that changes format is still caught.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .corpus import Rules
from .normalize import Cookie, content_type, cookies, header_multiset, label

MAX_DIFFS = 50          # per comparison: a huge body does not produce a huge report
MAX_REPR = 200          # characters of a value shown in a report
MAX_TEXT_DIFF_LINES = 40


@dataclass
class Response:
    """One side's answer to one request (body capped; hash and size cover all of it)."""

    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    size: int = 0
    sha256: str = ""
    truncated: bool = False
    latency_ms: float = 0.0
    error: str | None = None
    _headers: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def header_set(self) -> dict[str, list[str]]:
        """The normalised header multiset, computed once (an answer is compared up to twice)."""
        if self._headers is None:
            self._headers = header_multiset(self.headers)
        return self._headers


@dataclass(frozen=True)
class Diff:
    key: str                 # generalised: list indices become [] ("$.products[].id", "headers.etag")
    kind: str                # status|error|missing|extra|type|value|order|count|attributes|length
    primary: str = ""
    candidate: str = ""
    where: str = ""          # concrete path ("$.products[3].id")
    label: str = "application"
    formats: tuple[str, str] = ("", "")
    detail: str = ""         # e.g. a capped unified text diff


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def value_format(value: Any) -> str:
    """A coarse format name: two values of one field with the same format are 'the same kind'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        if 1e9 <= value < 1e10:
            return "epoch-s"
        if 1e12 <= value < 1e13:
            return "epoch-ms"
        return "int" if isinstance(value, int) else "float"
    if isinstance(value, str):
        for name, pattern in (("iso-datetime", _ISO), ("date", _DATE), ("http-date", _HTTP_DATE),
                              ("uuid", _UUID), ("hex", _HEX), ("numeric-string", _NUMBER)):
            if pattern.match(value):
                return name
        return "text"
    return json_type(value)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + f"… ({len(text)} chars)"


# --------------------------------------------------------------------------- path rules


def _pattern(path: str) -> re.Pattern[str]:
    """`$.a[*].b`, `$.a[0].b`, `$.*.b`, `headers.x-*` -> a regex over generalised keys."""
    normal = re.sub(r"\[(\d+|\*)?\]", "[]", path)
    escaped = re.escape(normal).replace(r"\*\*", ".*").replace(r"\*", r"[^.\[]*")
    return re.compile(f"^{escaped}$")


class PathRules:
    """Compiled ignore / shape-only rules of one request."""

    def __init__(self, rules: Rules) -> None:
        self.ignore = [_pattern(p) for p in rules.ignore]
        self.shape = [_pattern(p) for p in rules.shape_only]

    def ignored(self, key: str) -> bool:
        return any(p.match(key) for p in self.ignore)

    def shape_only(self, key: str) -> bool:
        return any(p.match(key) for p in self.shape) or key.endswith(".session_id")


_COMPILED: dict[Rules, PathRules] = {}


def _compiled(rules: Rules) -> PathRules:
    """Rules are few and shared by many requests: compile each set once."""
    compiled = _COMPILED.get(rules)
    if compiled is None:
        compiled = _COMPILED[rules] = PathRules(rules)
    return compiled


# --------------------------------------------------------------------------- whole responses


def compare(primary: Response, candidate: Response, rules: Rules, visited: set[str] | None = None) -> list[Diff]:
    """Every difference between two answers to the same request (capped at MAX_DIFFS).

    An answer that failed (timeout, connection) has nothing to compare: the runner reports it.
    """
    if primary.error or candidate.error:
        return []
    paths = _compiled(rules)
    diffs: list[Diff] = []
    if primary.status != candidate.status:
        diffs.append(Diff("status", "status", str(primary.status), str(candidate.status)))
    if primary.headers != candidate.headers:  # the same raw headers have the same multiset and cookies
        diffs.extend(compare_headers(primary.header_set(), candidate.header_set(), paths))
        diffs.extend(compare_cookies(primary.headers, candidate.headers, paths))
    if visited is not None or primary.body != candidate.body or primary.truncated or candidate.truncated:
        diffs.extend(compare_bodies(primary, candidate, paths, visited))
    return diffs[:MAX_DIFFS]


def compare_headers(left: dict[str, list[str]], right: dict[str, list[str]], paths: PathRules) -> list[Diff]:
    if left == right:
        return []
    diffs = []
    for name in sorted(set(left) | set(right)):
        key = f"headers.{name}"
        if paths.ignored(key):
            continue
        kind = "missing" if name not in right else "extra" if name not in left else "value"
        lv, rv = left.get(name, []), right.get(name, [])
        if lv == rv:
            continue
        if kind == "value" and paths.shape_only(key):
            continue
        formats = (value_format(lv[0]) if lv else "", value_format(rv[0]) if rv else "")
        diffs.append(Diff(key, kind, ", ".join(lv) or "(absent)", ", ".join(rv) or "(absent)", key,
                          "transport" if label(name) == "transport" else "application", formats))
    return diffs


def compare_cookies(a: list[tuple[str, str]], b: list[tuple[str, str]], paths: PathRules) -> list[Diff]:
    if paths.ignored("headers.set-cookie"):
        return []
    left, right = cookies(a), cookies(b)
    if not left and not right:
        return []
    if len(left) != len(right):
        return [Diff("headers.set-cookie", "count", _cookie_list(left), _cookie_list(right))]
    diffs = []
    for one, other in zip(left, right, strict=True):
        if one.name != other.name or one.attributes != other.attributes:
            diffs.append(Diff("headers.set-cookie", "attributes", one.describe(), other.describe(),
                              f"headers.set-cookie[{one.name}]"))
    return diffs


def _cookie_list(items: list[Cookie]) -> str:
    return f"{len(items)} Set-Cookie: " + " | ".join(c.describe() for c in items)


def compare_bodies(a: Response, b: Response, paths: PathRules, visited: set[str] | None) -> list[Diff]:
    if paths.ignored("body"):
        return []
    if a.truncated or b.truncated:
        if (a.size, a.sha256) == (b.size, b.sha256):
            return []
        return [Diff("body", "value", f"{a.size} bytes, sha256 {a.sha256[:16]}",
                     f"{b.size} bytes, sha256 {b.sha256[:16]}", detail="bodies larger than the diff cap: "
                     "compared by size and hash only")]
    left, right = _json_or_none(a), _json_or_none(b)
    if left is not _NOT_JSON and right is not _NOT_JSON:
        out: list[Diff] = []
        json_diff(left, right, "$", "$", paths, out, visited, False)
        return out
    if (left is _NOT_JSON) != (right is _NOT_JSON):
        return [Diff("body", "type", "JSON" if left is not _NOT_JSON else _kind_of(a),
                     "JSON" if right is not _NOT_JSON else _kind_of(b), formats=("json", "text"))]
    if a.body == b.body:
        return []
    if _kind_of(a) == "binary" or _kind_of(b) == "binary":
        return [Diff("body", "value", f"{a.size} bytes, sha256 {a.sha256[:16]}",
                     f"{b.size} bytes, sha256 {b.sha256[:16]}", formats=("binary", "binary"))]
    if paths.shape_only("body"):
        return []
    ta, tb = a.body.decode(), b.body.decode()
    return [Diff("body", "value", short(ta), short(tb), formats=("text", "text"), detail=text_diff(ta, tb))]


_NOT_JSON = object()


def _json_or_none(response: Response) -> Any:
    kind = content_type(response.headers)
    if "json" not in kind and response.body.lstrip()[:1] not in (b"{", b"["):
        return _NOT_JSON
    try:
        return json.loads(response.body)
    except ValueError:
        return _NOT_JSON


def _kind_of(response: Response) -> str:
    try:
        response.body.decode()
    except UnicodeDecodeError:
        return "binary"
    return "text"


def text_diff(a: str, b: str) -> str:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "primary", "candidate", lineterm="", n=1))
    if len(lines) > MAX_TEXT_DIFF_LINES:
        lines = [*lines[:MAX_TEXT_DIFF_LINES], f"… diff capped ({len(lines) - MAX_TEXT_DIFF_LINES} more lines)"]
    return "\n".join(line[:MAX_REPR] for line in lines)


# --------------------------------------------------------------------------- JSON structure


def json_diff(a: Any, b: Any, key: str, where: str, paths: PathRules, out: list[Diff],
              visited: set[str] | None, shape: bool) -> None:
    """Append the differences between a and b at `where` (generalised `key`) to `out`."""
    if len(out) >= MAX_DIFFS or paths.ignored(key):
        return
    if visited is not None:
        visited.add(key)
    shape = shape or paths.shape_only(key)
    ta, tb = json_type(a), json_type(b)
    if ta != tb:
        out.append(Diff(key, "type", short(a), short(b), where, formats=(value_format(a), value_format(b))))
        return
    if ta == "object":
        for name in [*a, *(k for k in b if k not in a)]:
            child_key, child_where = f"{key}.{name}", f"{where}.{name}"
            if paths.ignored(child_key):
                continue
            if name not in b:
                out.append(Diff(child_key, "missing", short(a[name]), "(absent)", child_where))
            elif name not in a:
                out.append(Diff(child_key, "extra", "(absent)", short(b[name]), child_where))
            else:
                json_diff(a[name], b[name], child_key, child_where, paths, out, visited, shape)
    elif ta == "array":
        _array_diff(a, b, key, where, paths, out, visited, shape)
    elif not shape and a != b:
        out.append(Diff(key, "value", short(a), short(b), where, formats=(value_format(a), value_format(b))))


def _array_diff(a: list[Any], b: list[Any], key: str, where: str, paths: PathRules, out: list[Diff],
                visited: set[str] | None, shape: bool) -> None:
    item_key = f"{key}[]"
    if shape:
        types_a, types_b = sorted({json_type(x) for x in a}), sorted({json_type(x) for x in b})
        if a and b and types_a != types_b:
            out.append(Diff(item_key, "type", "/".join(types_a), "/".join(types_b), where))
        elif a and b and types_a == ["object"]:
            json_diff(a[0], b[0], item_key, f"{where}[0]", paths, out, visited, True)
        return
    if len(a) == len(b) and a != b and _canonical(a) == _canonical(b):
        out.append(Diff(key, "order", short(a), short(b), where, detail="same items, different order"))
        return
    if len(a) != len(b):
        out.append(Diff(key, "length", f"{len(a)} items", f"{len(b)} items", where))
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        json_diff(x, y, item_key, f"{where}[{index}]", paths, out, visited, shape)


def _canonical(items: list[Any]) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True, default=str) for item in items)
