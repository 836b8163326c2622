"""Response bodies and headers are outside input (whatever the two targets answer): comparing any
two answers never crashes, an answer never differs from itself, and a difference seen one way
round is seen the other way round too (which side is the primary does not hide it)."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from shopbot_cli.parity.compare import Response, compare
from shopbot_cli.parity.corpus import Rules

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                 max_size=4), max_leaves=12)
BODY = st.one_of(JSON.map(lambda value: json.dumps(value).encode()), st.binary(max_size=64),
                 st.text(max_size=40).map(str.encode))
NAMES = st.sampled_from(["Content-Type", "Set-Cookie", "set-cookie", "Cache-Control", "ETag", "X-Request-Id",
                         "Vary", "Content-Encoding", "Location"])
VALUES = st.one_of(st.sampled_from(["application/json", "text/plain; charset=utf-8", "image/png",
                                    "a=1; Path=/; HttpOnly", "a=2; Path=/", "b=1, c=2; Secure", "gzip", ""]),
                   st.text(max_size=20))
RULES = st.builds(Rules, ignore=st.lists(st.sampled_from(["$.a", "headers.etag", "body", "$.b[]"]), max_size=2)
                  .map(tuple), shape_only=st.lists(st.sampled_from(["$.a", "body", "headers.vary"]), max_size=2)
                  .map(tuple))


@st.composite
def answers(draw: st.DrawFn) -> Response:
    body = draw(BODY)
    return Response(draw(st.sampled_from([200, 201, 404, 500])), draw(st.lists(st.tuples(NAMES, VALUES), max_size=5)),
                    body, len(body), hashlib.sha256(body).hexdigest())


@settings(max_examples=400, deadline=None)
@given(answers(), answers(), RULES)
def test_any_two_answers_compare_without_crashing_and_alike_both_ways_round(a: Response, b: Response,
                                                                           rules: Rules) -> None:
    forward, backward = compare(a, b, rules), compare(b, a, rules)
    assert bool(forward) == bool(backward), (forward, backward)
    assert all(d.key and d.kind for d in forward)


@settings(max_examples=200, deadline=None)
@given(answers(), RULES)
def test_an_answer_never_differs_from_itself(a: Response, rules: Rules) -> None:
    twin = Response(a.status, list(a.headers), bytes(a.body), a.size, a.sha256)
    assert compare(a, twin, rules) == []
    assert compare(a, twin, rules, visited=set()) == []
