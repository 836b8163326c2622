"""Every corpus reader against hostile input (hypothesis): each file loads or is refused with one line that
names the file - never a traceback, never a hang, never a request that cannot go on the wire."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopbot_cli.parity.corpus import CorpusError, CorpusRequest, iter_corpora, read_entries, validate_corpora

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WIRE_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
tricky_text = st.one_of(st.text(max_size=40), st.sampled_from([
    "/a\r\nX: 1", "/a b", "/ü", "http://[::1/a", "http://x:99999/a", "http://x/a?b=c", "/", "", "data:,x",
    "data:image/png;base64,@@@", "multipart/form-data; boundary=xyz", "GET", "POST", "websocket", "-",
]))


@contextmanager
def corpus_file(name: str, content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def check_loads_or_refuses(name: str, content: bytes) -> None:
    with corpus_file(name, content) as path:
        try:
            entries = list(read_entries(path))
        except CorpusError as error:
            message = str(error)
            assert message.startswith(str(path)), message
            assert "\n" not in message and "\r" not in message.replace("\\r", ""), message
            return
        for entry in entries:
            if isinstance(entry, CorpusRequest):
                assert entry.path.startswith("/")
                assert not WIRE_UNSAFE.search(entry.target), entry.target
                assert all(not WIRE_UNSAFE.search(value.replace("\t", " ")) for _, value in entry.headers)


@FUZZ
@given(values)
def test_yaml_and_json_documents(data: Any) -> None:
    check_loads_or_refuses("c.yaml", yaml.safe_dump(data).encode())
    check_loads_or_refuses("c.json", json.dumps(data).encode())


request_items = st.fixed_dictionaries({"path": tricky_text}, optional={
    "method": st.one_of(tricky_text, values), "query": values, "headers": values, "json": values,
    "body": values, "safe": values, "rules": values, "name": values})


@FUZZ
@given(st.lists(request_items, max_size=4), st.one_of(st.none(), values))
def test_yaml_requests_with_hostile_fields(items: list[dict[str, Any]], rules: Any) -> None:
    document: dict[str, Any] = {"requests": items}
    if rules is not None:
        document["rules"] = rules
    check_loads_or_refuses("c.yaml", yaml.safe_dump(document).encode())


@FUZZ
@given(st.binary(max_size=200))
def test_raw_bytes_in_every_format(content: bytes) -> None:
    for name in ("c.yaml", "c.json", "c.jsonl", "c.har", "c.log"):
        check_loads_or_refuses(name, content)


@FUZZ
@given(st.lists(st.one_of(values, request_items), max_size=4))
def test_jsonl_lines(items: list[Any]) -> None:
    check_loads_or_refuses("c.jsonl", "\n".join(json.dumps(item) for item in items).encode())


chat_items = st.fixed_dictionaries({"path": st.sampled_from(["/api/chat/s-1", "/x"])}, optional={
    "method": st.sampled_from(["GET", "POST", "DELETE"]), "json": values, "safe": st.booleans()})


@FUZZ
@given(st.lists(st.one_of(request_items, chat_items), min_size=1, max_size=5))
def test_the_kept_corpus_replays_exactly_like_a_second_read(items: list[Any]) -> None:
    with corpus_file("c.jsonl", "\n".join(json.dumps(item) for item in items).encode()) as path:
        try:
            loaded = validate_corpora([path])
        except CorpusError:
            return
        kept = list(iter_corpora([path], None, loaded))
        loaded.kept = None
        assert kept == list(iter_corpora([path], None, loaded))


har_requests = st.fixed_dictionaries({"url": tricky_text}, optional={
    "method": tricky_text, "headers": st.one_of(values, st.lists(st.fixed_dictionaries(
        {"name": tricky_text}, optional={"value": st.one_of(tricky_text, values)}), max_size=3)),
    "cookies": st.one_of(values, st.lists(st.fixed_dictionaries({"name": tricky_text, "value": tricky_text}),
                                          max_size=2)),
    "postData": st.one_of(values, st.fixed_dictionaries({}, optional={
        "mimeType": tricky_text, "text": st.one_of(tricky_text, values),
        "params": st.one_of(values, st.lists(st.fixed_dictionaries({"name": tricky_text}, optional={
            "value": st.one_of(tricky_text, values), "fileName": tricky_text, "contentType": tricky_text}),
            max_size=3))})),
})
har_entries = st.fixed_dictionaries({"request": st.one_of(har_requests, values)},
                                    optional={"_resourceType": tricky_text, "_webSocketMessages": values})


@FUZZ
@given(st.one_of(st.lists(har_entries, max_size=3), values), st.booleans())
def test_har_files(entries: Any, bom: bool) -> None:
    text = json.dumps({"log": {"entries": entries}})
    check_loads_or_refuses("c.har", (b"\xef\xbb\xbf" if bom else b"") + text.encode())
    check_loads_or_refuses("c.json", text.encode())


ALB_GOOD = [
    "http", "2026-11-25T10:00:00.000000Z", "app/shop/1", "10.0.0.1:5000", "10.0.1.1:8080", "0.001", "0.002",
    "0.000", "200", "200", "34", "366", '"GET', "http://shop.example.com:80/health", 'HTTP/1.1"', '"curl/8.0"',
    "-", "-", "arn:t", '"Root=1-6"', '"-"', '"-"', "0", "2026-11-25T10:00:00.000000Z", '"forward"', '"-"', '"-"',
    '"10.0.1.1:8080"', '"200"', '"-"', '"-"']


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(ALB_GOOD) - 1), tricky_text), max_size=4),
       st.sampled_from(["http", "https", "h2", "ws", "wss", "grpcs", "tcp"]))
def test_alb_lines(changes: list[tuple[int, str]], kind: str) -> None:
    fields = [kind, *ALB_GOOD[1:]]
    for index, value in changes:
        fields[index] = value
    check_loads_or_refuses("alb.log", (" ".join(fields) + "\n").encode())


@FUZZ
@given(st.fixed_dictionaries({"version": st.just("2.0"), "requestContext": st.one_of(values, st.fixed_dictionaries(
    {"http": st.one_of(values, st.fixed_dictionaries({"method": st.one_of(tricky_text, values)}))}))}, optional={
    "rawPath": st.one_of(tricky_text, values), "rawQueryString": st.one_of(tricky_text, values),
    "headers": values, "cookies": values, "body": st.one_of(tricky_text, values), "isBase64Encoded": values}))
def test_api_gateway_events(event: dict[str, Any]) -> None:
    check_loads_or_refuses("event.json", json.dumps(event).encode())
