"""The shadow header's edges: every malformed part is refused as malformed (even when signed
with the right key), the default age limit, and how long the replay guard keeps a signature
in Redis (real redis-server) - and that a Redis it cannot reach refuses copies."""

from __future__ import annotations

import socket

import pytest
import redis

from shopbot.shadow.seen import KEY_PREFIX, RedisSeen, build_seen_store
from shopbot.shadow.signing import ShadowRefused, Verifier, sign

KEY = b"k" * 32
NOW = 1_790_000_000.0
SIG = "ab" * 32
NONCE = "0f" * 16


def _header(version: str = "v2", ts: str = str(int(NOW)), tag: str = "p2", nonce: str = NONCE,
            sig: str = SIG) -> str:
    return f"{version};ts={ts};tag={tag};nonce={nonce};sig={sig}"


@pytest.mark.parametrize("header", [
    _header(version="v1"),
    _header(ts="17900000x0"),
    _header(ts="١٧٩٠٠٠٠٠٠٠"),            # digits, but not ASCII ones
    _header(tag="c3"),
    _header(sig=SIG[:-1]),
    _header(nonce=NONCE[:-1]),
    _header(nonce="é" * 32),              # letters, but not ASCII ones
    _header(nonce="-" * 32),
    _header() + ";extra=1",
])
def test_each_malformed_part_is_refused_as_malformed(header: str) -> None:
    with pytest.raises(ShadowRefused, match=r"^malformed shadow header$"):
        Verifier(KEY).verify(header, "GET", "/", b"", now=NOW)


@pytest.mark.parametrize(("tag", "nonce"), [("c3", NONCE), ("p2", "a" * 31), ("p2", "-" * 32)])
def test_a_header_signed_with_the_right_key_is_still_refused_when_malformed(tag: str, nonce: str) -> None:
    header = sign(KEY, "GET", "/", b"", tag, now=NOW, nonce=nonce)
    with pytest.raises(ShadowRefused, match=r"^malformed shadow header$"):
        Verifier(KEY).verify(header, "GET", "/", b"", now=NOW)


def test_by_default_a_header_is_good_for_sixty_seconds() -> None:
    verifier = Verifier(KEY)
    assert verifier.verify(sign(KEY, "GET", "/", b"", "c1", now=NOW), "GET", "/", b"", now=NOW + 60) == "c1"
    with pytest.raises(ShadowRefused, match="stale"):
        verifier.verify(sign(KEY, "GET", "/", b"", "c1", now=NOW), "GET", "/", b"", now=NOW + 61)


def test_redis_keeps_an_accepted_signature_only_while_it_could_be_replayed(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    verifier = Verifier(KEY, max_age=60.0, seen=build_seen_store(redis_url, None, 2.0))
    header = sign(KEY, "POST", "/api/chat", b"{}", "c2", now=NOW)
    assert verifier.verify(header, "POST", "/api/chat", b"{}", now=NOW + 5) == "c2"
    [key] = client.keys(KEY_PREFIX + "*")
    assert key.decode() == KEY_PREFIX + header.rsplit("sig=", 1)[1]
    assert 54 <= client.ttl(key) <= 55  # until the header itself goes stale, 60 s after it was signed
    with pytest.raises(ShadowRefused, match="replayed"):  # by any process on this Redis
        Verifier(KEY, seen=build_seen_store(redis_url, None, 2.0)).verify(header, "POST", "/api/chat", b"{}",
                                                                          now=NOW + 6)


def test_a_replay_guard_that_cannot_reach_redis_refuses_the_copy() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seen = RedisSeen(redis.Redis(port=port, socket_connect_timeout=1))
    header = sign(KEY, "GET", "/", b"", "p2", now=NOW)
    with pytest.raises(ShadowRefused, match=r"^replay store unavailable \(ConnectionError\)$"):
        Verifier(KEY, seen=seen).verify(header, "GET", "/", b"", now=NOW)
