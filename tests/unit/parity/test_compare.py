"""Comparison of two answers: the header profile, cookies, JSON structure, rules, caps."""

from __future__ import annotations

import json

import pytest
from shopbot_cli.parity.compare import Diff, Response, compare, value_format
from shopbot_cli.parity.corpus import Rules


def answer(body: object = None, status: int = 200, headers: list[tuple[str, str]] | None = None,
           raw: bytes | None = None) -> Response:
    content = raw if raw is not None else json.dumps(body).encode()
    base = [("Content-Type", "application/json" if raw is None else "text/plain")]
    return Response(status, base + (headers or []), content, len(content))


def kinds(diffs: list[Diff]) -> set[tuple[str, str]]:
    return {(d.key, d.kind) for d in diffs}


def test_alb_vs_http_api_header_profile_is_equal() -> None:
    alb = answer({}, headers=[("Date", "Mon"), ("X-Shopbot-Target", "ecs"), ("Vary", "Accept"),
                              ("Vary", "Cookie"), ("Cache-Control", "no-store"), ("Server", "gunicorn")])
    api = answer({}, headers=[("date", "Tue"), ("x-shopbot-target", "lambda"), ("apigw-requestid", "abc="),
                              ("vary", "Accept,Cookie"), ("cache-control", "no-store"), ("via", "1.1 x")])
    assert compare(alb, api, Rules()) == []


def test_missing_application_header_fails_and_transport_header_is_labelled() -> None:
    diffs = compare(answer({}, headers=[("Cache-Control", "no-store"), ("Connection", "keep-alive")]),
                    answer({}), Rules())
    labels = {d.key: (d.kind, d.label) for d in diffs}
    assert labels["headers.cache-control"] == ("missing", "application")
    assert labels["headers.connection"] == ("missing", "transport")


def test_set_cookie_case_permuted_names_are_the_same_cookies() -> None:
    alb = answer({}, headers=[("Set-Cookie", "a=1; Path=/; HttpOnly"), ("Set-Cookie", "b=2; Path=/")])
    wsgi = answer({}, headers=[("set-cookie", "b=2; path=/"), ("Set-cookie", "a=1; HttpOnly; Path=/")])
    assert compare(alb, wsgi, Rules()) == []


def test_merged_and_extra_set_cookie_are_caught() -> None:
    two = answer({}, headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")])
    merged = answer({}, headers=[("Set-Cookie", "a=1; Path=/, b=2; Path=/")])
    extra = answer({}, headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"),
                                ("Set-Cookie", "c=3")])
    assert kinds(compare(two, merged, Rules())) == {("headers.set-cookie", "count")}
    assert kinds(compare(two, extra, Rules())) == {("headers.set-cookie", "count")}
    secure = answer({}, headers=[("Set-Cookie", "a=1; Path=/; Secure"), ("Set-Cookie", "b=2; Path=/")])
    assert kinds(compare(two, secure, Rules())) == {("headers.set-cookie", "attributes")}


def test_json_structure_differences_by_path() -> None:
    primary = {"a": 1, "b": "x", "items": [{"id": 1, "price": 10}, {"id": 2, "price": 20}], "gone": True,
               "ordered": [1, 2, 3]}
    candidate = {"a": 2, "b": 5, "items": [{"id": 1, "price": "10"}], "new": None, "ordered": [3, 2, 1]}
    found = kinds(compare(answer(primary), answer(candidate), Rules()))
    assert found == {("$.a", "value"), ("$.b", "type"), ("$.items", "length"), ("$.items[].price", "type"),
                     ("$.gone", "missing"), ("$.new", "extra"), ("$.ordered", "order")}


def test_status_difference() -> None:
    assert kinds(compare(answer({}), answer({}, status=202), Rules())) == {("status", "status")}


def test_shape_only_and_ignore_rules() -> None:
    primary = {"reply": "Hello there", "products": [{"id": 1}], "debug": {"x": 1}, "session_id": "s-p1"}
    candidate = {"reply": "Hi!", "products": [{"id": 2}, {"id": 3}], "debug": {"y": 2}, "session_id": "s-c1"}
    rules = Rules(ignore=("$.debug",), shape_only=("$.reply", "$.products[*]", "$.products"))
    assert compare(answer(primary), answer(candidate), rules) == []
    # shape-only still catches a type change
    assert kinds(compare(answer(primary), answer({**candidate, "reply": 3}), rules)) == {("$.reply", "type")}


def test_text_body_diff_is_a_capped_unified_diff() -> None:
    a = "\n".join(f"line {i}" for i in range(500))
    b = "\n".join(f"line {i}" if i % 2 else f"LINE {i}" for i in range(500))
    [diff] = compare(answer(raw=a.encode()), answer(raw=b.encode()), Rules())
    assert diff.key == "body" and diff.kind == "value"
    assert "-line 0" in diff.detail and "+LINE 0" in diff.detail
    assert "diff capped" in diff.detail and len(diff.detail.splitlines()) == 41
    assert len(diff.primary) < 250


def test_truncated_bodies_compare_by_hash() -> None:
    left = Response(200, [], b"x" * 10, 5_000_000, "aa" * 32, truncated=True)
    same = Response(200, [], b"x" * 10, 5_000_000, "aa" * 32, truncated=True)
    other = Response(200, [], b"x" * 10, 5_000_000, "bb" * 32, truncated=True)
    assert compare(left, same, Rules()) == []
    [diff] = compare(left, other, Rules())
    assert "size and hash" in diff.detail


def test_json_vs_non_json_body() -> None:
    found = kinds(compare(answer({"a": 1}), answer(raw=b"oops"), Rules()))
    assert found == {("body", "type"), ("headers.content-type", "value")}
    [body] = [d for d in compare(answer({"a": 1}), answer(raw=b"oops"), Rules()) if d.key == "body"]
    assert (body.primary, body.candidate, body.formats) == ("JSON", "text", ("json", "text"))
    [reverse] = [d for d in compare(answer(raw=b"\xff\xfe"), answer({"a": 1}), Rules()) if d.key == "body"]
    assert (reverse.primary, reverse.candidate) == ("binary", "JSON")


def test_json_served_as_text_is_still_compared_by_structure() -> None:
    diffs = compare(answer(raw=b'  {"a": 1, "b": [1]}'), answer(raw=b'{"a": 2, "b": [1]}'), Rules())
    assert [(d.key, d.kind) for d in diffs] == [("$.a", "value")]
    assert kinds(compare(answer(raw=b"[1, 2]"), answer(raw=b"[1, 3]"), Rules())) == {("$[]", "value")}


def test_equal_statuses_above_256_are_alike() -> None:
    """Two 500s built separately are equal even though they are distinct int objects."""
    assert compare(answer({}, status=int("500")), answer({}, status=int("500")), Rules()) == []
    [diff] = compare(answer({}, status=int("500")), answer({}, status=int("503")), Rules())
    assert (diff.kind, diff.primary, diff.candidate) == ("status", "500", "503")


def test_text_diff_shows_one_line_of_context() -> None:
    [diff] = compare(answer(raw=b"one\ntwo\nthree\nfour"), answer(raw=b"one\nTWO\nthree\nfour"), Rules())
    assert diff.detail == "--- primary\n+++ candidate\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three"


def test_an_ignored_header_does_not_hide_the_headers_after_it() -> None:
    left = answer({}, headers=[("A-First", "1"), ("Cache-Control", "no-store")])
    right = answer({}, headers=[("A-First", "2"), ("Cache-Control", "max-age=9")])
    assert kinds(compare(left, right, Rules(ignore=("headers.a-first",)))) == {("headers.cache-control", "value")}


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-25T10:00:00.123456+00:00", "iso-datetime"), ("2026-11-25T10:00:00Z", "iso-datetime"),
    (1795604002.25, "epoch-s"), (1795604002250, "epoch-ms"), ("1795604002.250000", "numeric-string"),
    ("6f1c2a4e-5b7d-4c3e-9a8b-0123456789ab", "uuid"), (42, "int"), (4.5, "float"),
    ("Wed, 25 Nov 2026 10:00:00 GMT", "http-date"), ("hello", "text"), (None, "null"), (True, "bool"),
    # the edges of the epoch ranges (seconds 2001-2286, milliseconds likewise)
    (10**9, "epoch-s"), (10**10 - 1, "epoch-s"), (10**10, "int"), (10**12, "epoch-ms"), (10**13 - 1, "epoch-ms"),
    (10**13, "int"), (10**9 - 1, "int"), ("2026-11-25", "date"), ("0123456789abcdef", "hex"), ([1], "array"),
])
def test_value_formats(value: object, expected: str) -> None:
    assert value_format(value) == expected


def test_errors_are_not_compared() -> None:
    assert compare(Response(error="timeout: x"), answer({}), Rules()) == []


def test_candidate_that_drops_every_set_cookie_is_caught() -> None:
    primary = answer({}, headers=[("Set-Cookie", "seen=1; Path=/; HttpOnly"), ("Set-Cookie", "ab=blue; Path=/")])
    [diff] = compare(primary, answer({}), Rules())
    assert (diff.key, diff.kind) == ("headers.set-cookie", "count")
    assert diff.primary == "2 Set-Cookie: ab=…; path=/ | seen=…; httponly; path=/"
    assert diff.candidate == "0 Set-Cookie: "
    # and the other way round: cookies only the candidate sets
    [extra] = compare(answer({}), primary, Rules())
    assert (extra.kind, extra.primary) == ("count", "0 Set-Cookie: ")


def test_set_cookie_attributes_that_differ_are_caught_and_cookie_values_never_shown() -> None:
    primary = answer({}, headers=[("Set-Cookie", "sid=SECRET1; Path=/; Secure; HttpOnly")])
    candidate = answer({}, headers=[("Set-Cookie", "sid=SECRET2; Path=/")])
    [diff] = compare(primary, candidate, Rules())
    assert (diff.key, diff.kind, diff.where) == ("headers.set-cookie", "attributes", "headers.set-cookie[sid]")
    assert diff.primary == "sid=…; httponly; path=/; secure" and diff.candidate == "sid=…; path=/"
    assert compare(candidate, answer({}, headers=[("set-cookie", "sid=OTHER; Path=/")]), Rules()) == []
    assert compare(primary, candidate, Rules(ignore=("headers.set-cookie",))) == []


def test_header_only_the_candidate_sends_is_an_extra() -> None:
    [diff] = compare(answer({}), answer({}, headers=[("X-Debug", "on"), ("Server", "lambda")]), Rules())
    assert (diff.key, diff.kind, diff.primary, diff.candidate, diff.label) == (
        "headers.x-debug", "extra", "(absent)", "on", "application")
    assert diff.formats == ("", "text")
    assert compare(answer({}), answer({}, headers=[("X-Debug", "on")]), Rules(ignore=("headers.x-*",))) == []


def test_header_value_difference_and_shape_only_headers() -> None:
    left = answer({}, headers=[("Cache-Control", "no-store")])
    right = answer({}, headers=[("Cache-Control", "max-age=60")])
    [diff] = compare(left, right, Rules())
    assert (diff.key, diff.kind, diff.primary, diff.candidate) == (
        "headers.cache-control", "value", "no-store", "max-age=60")
    assert compare(left, right, Rules(shape_only=("headers.cache-control",))) == []
    assert compare(left, answer({}), Rules(shape_only=("headers.cache-control",)))[0].kind == "missing"


def test_two_differing_binary_bodies_are_compared_by_size_and_hash() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"
    left = Response(200, [("Content-Type", "image/png")], png, len(png), sha256="a" * 64)
    right = Response(200, [("Content-Type", "image/png")], png + b"\xff", len(png) + 1, sha256="b" * 64)
    [diff] = compare(left, right, Rules())
    assert (diff.key, diff.kind, diff.formats) == ("body", "value", ("binary", "binary"))
    assert (diff.primary, diff.candidate) == (f"{len(png)} bytes, sha256 {'a' * 16}",
                                              f"{len(png) + 1} bytes, sha256 {'b' * 16}")
    assert compare(left, Response(200, [("Content-Type", "image/png")], png, len(png)), Rules()) == []
    # binary on one side only is still caught, text vs binary
    text = Response(200, [("Content-Type", "image/png")], b"plain", 5, sha256="c" * 64)
    assert compare(left, text, Rules())[0].formats == ("binary", "binary")
    assert compare(left, right, Rules(shape_only=("body",)))[0].kind == "value"  # bytes have no shape


def test_list_length_and_items_are_both_reported() -> None:
    diffs = compare(answer({"items": [1, 2, 3]}), answer({"items": [1, 5]}), Rules())
    assert [(d.key, d.kind, d.where, d.primary, d.candidate) for d in diffs] == [
        ("$.items", "length", "$.items", "3 items", "2 items"),
        ("$.items[]", "value", "$.items[1]", "2", "5")]


def test_shape_only_lists_compare_item_types_and_the_first_items_shape() -> None:
    rules = Rules(shape_only=("$.turns",))
    same = compare(answer({"turns": [{"at": 1, "text": "a"}]}), answer({"turns": [{"at": 2, "text": "b"}, {}]}),
                   rules)
    assert same == []
    changed = compare(answer({"turns": [{"at": 1}]}), answer({"turns": ["x"]}), rules)
    assert [(d.key, d.kind, d.primary, d.candidate) for d in changed] == [("$.turns[]", "type", "object", "string")]
    missing = compare(answer({"turns": [{"at": 1}]}), answer({"turns": [{"when": 1}]}), rules)
    assert kinds(missing) == {("$.turns[].at", "missing"), ("$.turns[].when", "extra")}
    assert compare(answer({"turns": []}), answer({"turns": ["x"]}), rules) == []


def test_many_differences_are_capped() -> None:
    diffs = compare(answer({f"k{i}": i for i in range(80)}), answer({f"k{i}": -i - 1 for i in range(80)}), Rules())
    assert len(diffs) == 50


def test_visited_records_every_compared_body_field() -> None:
    visited: set[str] = set()
    compare(answer({"a": {"b": [{"c": 1}]}, "d": 2}), answer({"a": {"b": [{"c": 1}]}, "d": 2}), Rules(), visited)
    assert visited == {"$", "$.a", "$.a.b", "$.a.b[]", "$.a.b[].c", "$.d"}


def test_capped_text_diff_says_how_many_lines_were_left_out() -> None:
    a = "\n".join(f"line {i}" for i in range(30))
    b = "\n".join(f"LINE {i}" for i in range(30))
    [diff] = compare(answer(raw=a.encode()), answer(raw=b.encode()), Rules())
    # 2 header lines + 1 hunk line + 30 removed + 30 added = 63 lines, 40 shown
    assert diff.detail.splitlines()[-1] == "… diff capped (23 more lines)"


def test_a_changed_item_in_an_equally_long_list_is_a_value_not_an_order() -> None:
    diffs = compare(answer({"ids": [1, 3]}), answer({"ids": [1, 2]}), Rules())
    assert [(d.key, d.kind, d.where) for d in diffs] == [("$.ids[]", "value", "$.ids[1]")]
    [order] = compare(answer({"ids": [2, 1]}), answer({"ids": [1, 2]}), Rules())
    assert (order.key, order.kind) == ("$.ids", "order")


def test_one_truncated_side_is_compared_by_size_and_hash_and_both_hashes_shown() -> None:
    big = Response(200, [], b"x" * 10, 5_000_000, "ab" * 32, truncated=True)
    small = Response(200, [], b"x" * 10, 10, "cd" * 32)
    [diff] = compare(big, small, Rules())
    assert (diff.primary, diff.candidate) == (f"5000000 bytes, sha256 {'ab' * 8}", f"10 bytes, sha256 {'cd' * 8}")
    assert diff.detail == "bodies larger than the diff cap: compared by size and hash only"
    [reverse] = compare(small, big, Rules())
    assert reverse.primary == f"10 bytes, sha256 {'cd' * 8}"


def test_an_ignored_field_does_not_hide_the_fields_after_it() -> None:
    diffs = compare(answer({"a": 1, "b": 1, "c": 1}), answer({"a": 2, "b": 1, "c": 2}), Rules(ignore=("$.a",)))
    assert kinds(diffs) == {("$.c", "value")}
    diffs = compare(answer({"a": 1, "c": 1}), answer({"c": 2, "a": 2, "z": 0}), Rules(ignore=("$.a",)))
    assert kinds(diffs) == {("$.c", "value"), ("$.z", "extra")}


def test_header_differences_are_found_the_same_once_the_token_cache_has_filled_and_restarted() -> None:
    from shopbot_cli.parity.normalize import MAX_CACHED_HEADERS

    def pair() -> list[Diff]:
        left = Response(200, [("Vary", "Accept, Origin"), ("ETag", '"a"'), ("Date", "x")], b"{}")
        right = Response(200, [("vary", "Origin,Accept"), ("ETag", '"b"'), ("Date", "y")], b"{}")
        return compare(left, right, Rules())

    before = pair()
    assert [(d.key, d.kind) for d in before] == [("headers.etag", "value")]
    for i in range(MAX_CACHED_HEADERS + 10):  # one-off values (request ids) fill the cache: it starts again
        Response(200, [("X-Request-Id", str(i))]).header_set()
    assert pair() == before


def test_a_value_is_shown_whole_up_to_200_characters_and_cut_after() -> None:
    [whole] = compare(answer({"note": "p" * 200}), answer({"note": "c" * 200}), Rules())
    assert (whole.primary, whole.candidate) == ("p" * 200, "c" * 200)
    [cut] = compare(answer({"note": "p" * 201}), answer({"note": "c" * 201}), Rules())
    assert (cut.primary, cut.candidate) == ("p" * 200 + "… (201 chars)", "c" * 200 + "… (201 chars)")


def test_hundreds_of_identical_cookies_on_both_sides_are_no_difference() -> None:
    many = [("Set-Cookie", f"c{i}=1; Path=/") for i in range(300)]  # counts past CPython's cached small ints
    assert compare(answer({}, headers=many), answer({}, headers=list(many)), Rules()) == []
    [extra] = compare(answer({}, headers=many), answer({}, headers=[*many, ("X-Extra", "1")]), Rules())
    assert (extra.key, extra.kind) == ("headers.x-extra", "extra")  # the 300 cookies still match
    [diff] = compare(answer({}, headers=many), answer({}, headers=many[:-1]), Rules())
    assert (diff.kind, diff.candidate[:16]) == ("count", "299 Set-Cookie: ")


def test_a_cookie_the_candidate_renames_is_caught_whichever_name_sorts_first() -> None:
    sid = answer({}, headers=[("Set-Cookie", "sid=1; Path=/")])
    session = answer({}, headers=[("Set-Cookie", "session=1; Path=/")])
    for primary, candidate in ((sid, session), (session, sid)):
        [diff] = compare(primary, candidate, Rules())
        assert (diff.key, diff.kind) == ("headers.set-cookie", "attributes")
        assert {diff.primary, diff.candidate} == {"sid=…; path=/", "session=…; path=/"}


def test_fields_past_the_cap_are_neither_reported_nor_counted_as_compared() -> None:
    visited: set[str] = set()
    diffs = compare(answer({f"k{i}": i for i in range(80)}), answer({f"k{i}": -i - 1 for i in range(80)}), Rules(),
                    visited)
    assert [d.key for d in diffs] == [f"$.k{i}" for i in range(50)]
    assert visited == {"$", *(f"$.k{i}" for i in range(50))}, "a field never compared is no noise sample"


def test_a_shape_only_list_empty_on_one_side_has_no_item_to_compare() -> None:
    rules = Rules(shape_only=("$.turns",))
    assert compare(answer({"turns": [{"at": 1}]}), answer({"turns": []}), rules) == []
    assert compare(answer({"turns": []}), answer({"turns": [{"at": 1}]}), rules) == []


def test_a_long_list_in_another_order_is_one_order_difference() -> None:
    items = list(range(300))
    [diff] = compare(answer({"ids": items}), answer({"ids": items[::-1]}), Rules())
    assert (diff.key, diff.kind, diff.detail) == ("$.ids", "order", "same items, different order")
