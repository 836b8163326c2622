"""The "ALB -> HTTP API" header profile: what differs by design, what is transport, what matters.

API Gateway HTTP API joins repeated headers with commas and lower-cases names; serverless-wsgi
returns several Set-Cookie under case-permuted names; both edges add their own ids. The profile
turns a raw header list into a comparable multiset and labels each header's class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Differ by design between the two platforms: never compared.
PLATFORM = frozenset({
    "date", "apigw-requestid", "x-amzn-requestid", "x-amzn-trace-id", "x-amz-apigw-id", "x-amz-cf-id",
    "x-amz-cf-pop", "via", "x-cache", "x-shopbot-target", "server", "x-amzn-remapped-content-length",
    "x-amzn-remapped-connection", "x-amzn-remapped-date",
})
# Connection handling: differences are reported, labelled transport, and do not fail the check.
TRANSPORT = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "vary"})
# Values that contain commas themselves: never split.
UNSPLITTABLE = frozenset({"set-cookie", "expires", "last-modified", "if-modified-since", "retry-after",
                          "www-authenticate", "content-disposition", "link"})
# Cookie attributes whose values are time-dependent: compared by presence.
COOKIE_TIME_ATTRIBUTES = frozenset({"expires"})


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    attributes: tuple[str, ...]   # sorted "name=value" (lower-cased names), time values blanked

    def describe(self) -> str:
        return "; ".join((f"{self.name}=…", *self.attributes))


def label(name: str) -> str:
    """`platform`, `transport` or `application` for a lower-cased header name."""
    if name in PLATFORM:
        return "platform"
    if name in TRANSPORT:
        return "transport"
    return "application"


MAX_CACHED_HEADERS = 4096   # (name, value) pairs remembered: answers of one route repeat most of theirs
_TOKENS: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}


def _tokens(name: str, value: str) -> tuple[str, tuple[str, ...]] | None:
    """One header's lower-cased name and value tokens; None for a header never compared."""
    key = name.lower()
    if key in PLATFORM or key == "set-cookie":
        return None
    tokens = [value.strip()] if key in UNSPLITTABLE else [t.strip() for t in value.split(",")]
    return key, tuple(t for t in tokens if t)


def header_multiset(raw: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Lower-cased name -> sorted value tokens (comma-joined repeats split), platform headers dropped.

    Every answer is normalised, four per request: each (name, value) pair's tokens are cached, bounded.
    """
    result: dict[str, list[str]] = {}
    for name, value in raw:
        pair = (name, value)
        if pair in _TOKENS:
            found = _TOKENS[pair]
        else:
            found = _tokens(name, value)
            if len(_TOKENS) >= MAX_CACHED_HEADERS:  # e.g. full of Date values: start again
                _TOKENS.clear()
            _TOKENS[pair] = found
        if found is not None:
            key, tokens = found
            if key in result:
                result[key].extend(tokens)
            else:
                result[key] = list(tokens)
    for values in result.values():
        if len(values) > 1:
            values.sort()
    return result


def cookies(raw: Iterable[tuple[str, str]]) -> list[Cookie]:
    """Every Set-Cookie (any name case) parsed into name, value and normalised attributes."""
    parsed = []
    for name, value in raw:
        if name.lower() != "set-cookie":
            continue
        first, *rest = value.split(";")
        cookie_name, _, cookie_value = first.strip().partition("=")
        attributes = []
        for attribute in rest:
            key, sep, val = attribute.strip().partition("=")
            key = key.lower()
            if not key:
                continue
            if key in COOKIE_TIME_ATTRIBUTES:
                val = "<time>"
            attributes.append(f"{key}={val}" if sep else key)
        parsed.append(Cookie(cookie_name, cookie_value, tuple(sorted(attributes))))
    return sorted(parsed, key=lambda c: (c.name, c.attributes))


def content_type(raw: Iterable[tuple[str, str]]) -> str:
    for name, value in raw:
        if name.lower() == "content-type":
            return value.split(";")[0].strip().lower()
    return ""
