"""Secret-like values are masked in reports by name: query parameters, headers, body fields, free text."""

from __future__ import annotations

from shopbot_cli.parity.compare import Diff
from shopbot_cli.parity.redact import Redactor
from shopbot_cli.secrets.masking import mask


def test_sensitive_query_parameters_are_masked_and_the_rest_kept() -> None:
    redactor = Redactor()
    assert redactor.target("/a?q=shoes&token=s3cret&X-Amz-Signature=abc&page=2") == (
        f"/a?q=shoes&token={mask('s3cret')}&X-Amz-Signature={mask('abc')}&page=2")
    assert redactor.target("/a") == "/a" and redactor.target("/a?q=1") == "/a?q=1"


def test_settable_names_add_to_the_built_in_list() -> None:
    assert Redactor().target("/a?shop_pin=1234") == "/a?shop_pin=1234"
    assert Redactor(["shop-pin"]).target("/a?shop_pin=1234") == f"/a?shop_pin={mask('1234')}"


def test_headers_and_body_fields_by_name() -> None:
    redactor = Redactor()
    for key in ("headers.authorization", "headers.x-shop-token", "$.token", "$.user.password", "$.keys[].api_key"):
        shown = redactor.diff(Diff(key, "value", "left-value", "right-value"))
        assert (shown.primary, shown.candidate) == (mask("left-value"), mask("right-value")), key
    plain = Diff("$.price", "value", "10", "11")
    assert redactor.diff(plain) is plain
    absent = redactor.diff(Diff("$.token", "missing", "abc", "(absent)"))
    assert absent.candidate == "(absent)"


def test_secrets_inside_text_and_json_snippets() -> None:
    redactor = Redactor()
    shown = redactor.diff(Diff("body", "value", 'user=ann&password=hunter2', '{"token": "t0k", "n": 1}',
                               detail="-password=hunter2\n+password=other"))
    assert shown.primary == f"user=ann&password={mask('hunter2')}"
    assert shown.candidate == f'{{"token": "{mask("t0k")}", "n": 1}}'
    assert "hunter2" not in shown.detail and "other" not in shown.detail
    assert redactor.text("monkey=banana; keyboard=1") == "monkey=banana; keyboard=1"
