"""The shadow header cannot be forged, stretched or replayed; stored records hold no secrets."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbot.shadow import record
from shopbot.shadow.mirror import Budget
from shopbot.shadow.signing import ShadowRefused, Verifier, sign
from shopbot.shadow.sink import BatchSink

KEY = b"k" * 32
NOW = 1_790_000_000.0


def test_a_signed_copy_verifies_once_and_names_its_tag() -> None:
    header = sign(KEY, "POST", "/api/chat", b'{"message":"hi"}', "c1", now=NOW)
    verifier = Verifier(KEY, max_age=60)
    assert verifier.verify(header, "POST", "/api/chat", b'{"message":"hi"}', now=NOW + 5) == "c1"
    with pytest.raises(ShadowRefused, match="replayed"):
        verifier.verify(header, "POST", "/api/chat", b'{"message":"hi"}', now=NOW + 6)


@pytest.mark.parametrize(
    ("method", "path", "body", "key", "now", "reason"),
    [
        ("POST", "/api/chat", b'{"message":"other"}', KEY, NOW, "does not match"),   # body swapped
        ("POST", "/api/chat/x", b'{"message":"hi"}', KEY, NOW, "does not match"),   # path swapped
        ("DELETE", "/api/chat", b'{"message":"hi"}', KEY, NOW, "does not match"),   # method swapped
        ("POST", "/api/chat", b'{"message":"hi"}', b"x" * 32, NOW, "does not match"),  # other key
        ("POST", "/api/chat", b'{"message":"hi"}', KEY, NOW + 61, "stale"),           # too old
        ("POST", "/api/chat", b'{"message":"hi"}', KEY, NOW - 61, "stale"),           # from the future
    ],
)
def test_anything_changed_is_refused(method: str, path: str, body: bytes, key: bytes, now: float, reason: str) -> None:
    header = sign(KEY, "POST", "/api/chat", b'{"message":"hi"}', "c2", now=NOW)
    with pytest.raises(ShadowRefused, match=reason):
        Verifier(key, max_age=60).verify(header, method, path, body, now=now)


def test_the_nonce_is_signed() -> None:
    header = sign(KEY, "GET", "/api/products/search", b"", "p2", now=NOW)
    swapped = header.replace(header.split(";")[3], "nonce=" + "a" * 32)
    with pytest.raises(ShadowRefused, match="does not match"):
        Verifier(KEY).verify(swapped, "GET", "/api/products/search", b"", now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_no_header_text_escapes_as_anything_but_a_refusal(header: str) -> None:
    with pytest.raises(ShadowRefused):
        Verifier(KEY).verify(header, "GET", "/", b"", now=NOW)


def test_stored_requests_and_answers_hold_no_secret_values() -> None:
    headers = [("Authorization", "Bearer s3cr3t-token"), ("Cookie", "sid=s3cr3t"), ("X-Auth-Token", "s3cr3t"),
               ("Accept", "application/json"), ("Set-Cookie", "sid=s3cr3t; Path=/; HttpOnly"),
               ("Content-Type", "application/json")]
    stored = record.stored_headers(headers)
    assert ["Accept", "application/json"] in stored
    assert ["Set-Cookie", "sid=••••; Path=/; HttpOnly"] in stored
    body = record.stored_body(b'{"token": "s3cr3t", "items": [{"password": "s3cr3t", "sku": 7}]}', "application/json")
    query = record.masked_query("q=shoes&access_token=s3cr3t&api_key=s3cr3t")
    assert "s3cr3t" not in json.dumps([stored, body, query])
    assert json.loads(body["text"]) == {"token": "••••", "items": [{"password": "••••", "sku": 7}]}
    assert query.startswith("q=shoes&")


def test_binary_and_oversized_bodies_keep_size_and_hash() -> None:
    blob = bytes(range(256)) * 2000
    stored = record.stored_body(blob, "application/octet-stream")
    assert stored["size"] == len(blob) and stored["truncated"] and "b64" in stored and "text" not in stored


def test_the_budget_caps_each_minute() -> None:
    now = [120.0]
    budget = Budget(2, clock=lambda: now[0])
    assert [budget.take(), budget.take(), budget.take()] == [True, True, False]
    now[0] = 180.0
    assert budget.take()


class Folder:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, name: str, data: bytes) -> None:
        self.objects[name] = data


def test_batches_roll_with_the_period_and_the_size_and_end_with_the_counters() -> None:
    now = [1_790_000_000.0]
    folder = Folder()
    sink = BatchSink(folder, max_bytes=200, period_seconds=60, clock=lambda: now[0])
    sink.add({"n": 1, "pad": "x" * 120}, {"pairs": 1})
    sink.add({"n": 2, "pad": "x" * 120}, {"pairs": 2})      # over 200 bytes: the first batch is written
    assert len(folder.objects) == 1
    now[0] += 60
    assert sink.due()
    sink.flush({"pairs": 2})
    assert len(folder.objects) == 2
    for data in folder.objects.values():
        lines = [json.loads(line) for line in data.splitlines()]
        assert lines[-1]["kind"] == "stats" and len(lines) == 2
