"""Events are outside input: a direct Invoke can hand the function anything. Starting from a real
HTTP API event (captured from AWS, read in place from shared/corpora) and from the documented
shape, any field of the wrong type gets a 400 in the service's error shape, and an event that is
not a JSON object fails loudly as unhandled - never another exception."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopbot.lambda_handler import UnhandledEvent, make_handler
from tests.apigw_events import FakeLambdaContext, http_api_event

CAPTURED = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "aws-live" / "apigwv2-request.json"
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3), max_leaves=6)
TOP = ["rawPath", "rawQueryString", "cookies", "headers", "body", "isBase64Encoded", "requestContext"]
CONTEXT = ["http", "stage", "authorizer", "requestId", "domainName", "apiId"]


def base_events() -> list[dict[str, Any]]:
    events = [http_api_event("POST", "/api/chat", body='{"message": "hi"}',
                             headers={"content-type": "application/json"})]
    if CAPTURED.is_file():
        events.append(json.loads(CAPTURED.read_text()))
    return events


@pytest.fixture(scope="module")
def handler() -> Any:
    from shopbot import create_app
    from shopbot.config import get_config

    return make_handler(create_app(get_config("lambda", env={})))


def test_the_captured_event_is_there_to_start_from() -> None:
    assert CAPTURED.is_file(), f"{CAPTURED} is missing: the shared corpora sit beside the repository"


@pytest.mark.parametrize(("field", "value"), [("headers", ["host"]), ("body", 5), ("rawPath", None),
                                              ("cookies", [1]), ("requestContext", "x"), ("rawQueryString", 7)])
def test_a_field_of_the_wrong_type_is_a_400_in_the_error_shape(handler: Any, field: str, value: object) -> None:
    event = {**base_events()[0], field: value}
    answer = handler(event, FakeLambdaContext())
    assert answer["statusCode"] == 400 and answer["headers"] == {"content-type": "application/json"}
    assert json.loads(answer["body"])["error"] == {
        "status": 400, "code": "malformed_event",
        "message": "the event is not an API Gateway HTTP API (payload 2.0) request"}


@pytest.mark.parametrize("event", [[], ["requestContext"], "requestContext", 7, None])
def test_an_event_that_is_not_an_object_is_refused_loudly(handler: Any, event: object) -> None:
    with pytest.raises(UnhandledEvent, match=r"not a JSON object \((list|str|int|NoneType)\)$"):
        handler(event, FakeLambdaContext())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_no_event_escapes_as_anything_but_an_answer_or_unhandled(handler: Any, data: st.DataObject) -> None:
    event = copy.deepcopy(data.draw(st.sampled_from(base_events())))
    for field in data.draw(st.lists(st.sampled_from(TOP), max_size=3, unique=True)):
        event[field] = data.draw(JSON)
    if isinstance(event.get("requestContext"), dict):
        for field in data.draw(st.lists(st.sampled_from(CONTEXT), max_size=2, unique=True)):
            event["requestContext"][field] = data.draw(JSON)
    try:
        answer = handler(event, FakeLambdaContext())
    except UnhandledEvent:
        return
    assert isinstance(answer["statusCode"], int) and 200 <= answer["statusCode"] <= 599
    assert isinstance(answer.get("body", ""), str)
