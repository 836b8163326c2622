"""The shadow header: HMAC-SHA256 over method, path, body hash, timestamp and copy tag.

`v2;ts=<epoch s>;tag=<p2|c1|c2>;nonce=<32 hex>;sig=<hex>`. The nonce makes every copy's
signature unique, so two shoppers' identical requests in the same second are two copies,
not one copy and its replay. A header that does not verify, is older (or
newer) than `max_age` seconds, or was already seen is refused: a client cannot forge one
to reach the shadow namespace, and a captured one cannot be replayed (on any instance
sharing the Redis, see `seen`; on this process only without Redis).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from .seen import ProcessSeen, SeenStore, SeenUnavailable

TAGS = ("p2", "c1", "c2")


class ShadowRefused(Exception):
    """The shadow header is missing its key, malformed, forged, stale or replayed."""


def _message(method: str, path: str, body: bytes, ts: int, tag: str, nonce: str) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{digest}\n{ts}\n{tag}\n{nonce}".encode()


def sign(key: bytes, method: str, path: str, body: bytes, tag: str, now: float | None = None,
         nonce: str | None = None) -> str:
    ts = int(time.time() if now is None else now)
    nonce = secrets.token_hex(16) if nonce is None else nonce
    sig = hmac.new(key, _message(method, path, body, ts, tag, nonce), hashlib.sha256).hexdigest()
    return f"v2;ts={ts};tag={tag};nonce={nonce};sig={sig}"


def parse(header: str) -> tuple[int, str, str, str]:
    fields = header.split(";")
    if len(fields) != 5 or fields[0] != "v2":
        raise ShadowRefused("malformed shadow header")
    values = dict(part.partition("=")[::2] for part in fields[1:])
    ts, tag, nonce, sig = (values.get(name, "") for name in ("ts", "tag", "nonce", "sig"))
    if (not ts.isascii() or not ts.isdigit() or tag not in TAGS or len(sig) != 64
            or len(nonce) != 32 or not nonce.isascii() or not nonce.isalnum()):
        raise ShadowRefused("malformed shadow header")
    return int(ts), tag, nonce, sig


class Verifier:
    """Checks headers against one key; remembers accepted signatures until they go stale."""

    def __init__(self, key: bytes, max_age: float = 60.0, seen: SeenStore | None = None) -> None:
        self.key = key
        self.max_age = max_age
        self.seen: SeenStore = ProcessSeen() if seen is None else seen

    def verify(self, header: str, method: str, path: str, body: bytes, now: float | None = None) -> str:
        """The copy tag of a valid, fresh, unseen header; else `ShadowRefused`."""
        now = time.time() if now is None else now
        ts, tag, nonce, sig = parse(header)
        if abs(now - ts) > self.max_age:
            raise ShadowRefused("stale shadow header")
        expected = hmac.new(self.key, _message(method, path, body, ts, tag, nonce), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            raise ShadowRefused("shadow header signature does not match")
        try:
            first = self.seen.first_time(sig, until=ts + self.max_age, now=now)  # acceptable until then
        except SeenUnavailable as error:
            raise ShadowRefused(f"replay store unavailable ({error})") from None
        if not first:
            raise ShadowRefused("shadow header replayed")
        return tag
