"""The HTTP contract a shopper's browser (and the parity check) relies on."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.integration.service.conftest import AppFactory


@pytest.fixture
def client(make_app: AppFactory) -> FlaskClient:
    return make_app("testing", MAX_MESSAGE_CHARS="200").test_client()


def test_health_and_readiness_on_embedded_defaults(client: FlaskClient) -> None:
    assert client.get("/health").json == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json == {"status": "ready", "checks": {"context": "ok", "search": "ok"}}
    assert ready.headers["X-Shopbot-Target"] == "ecs"


def test_chat_answers_with_products_and_keeps_the_conversation(client: FlaskClient) -> None:
    first = client.post("/api/chat", json={"message": "I need running shoes"})
    assert first.status_code == 200
    answer = first.json
    assert answer["reply"] and answer["products"] and answer["context_available"] is True
    assert all({"id", "name", "price"} <= set(p) for p in answer["products"])
    session = answer["session_id"]

    client.post("/api/chat", json={"message": "anything cheaper?", "session_id": session})
    history = client.get(f"/api/chat/{session}")
    assert history.status_code == 200
    turns = history.json["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[0]["content"] == "I need running shoes"

    assert client.delete(f"/api/chat/{session}").json == {"session_id": session, "deleted": True}
    assert client.get(f"/api/chat/{session}").status_code == 404


def test_product_search(client: FlaskClient) -> None:
    found = client.get("/api/products/search?q=headphones&limit=3")
    assert found.status_code == 200
    assert 1 <= found.json["count"] <= 3 and found.json["count"] == len(found.json["products"])


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, "bad_json"),
        ({"json": ["a", "list"]}, "bad_json"),
        ({"json": {}}, "missing_message"),
        ({"json": {"message": 42}}, "missing_message"),
        ({"json": {"message": "   "}}, "empty_message"),
        ({"json": {"message": "x" * 201}}, "message_too_long"),
        ({"json": {"message": "hi", "session_id": "../../etc"}}, "bad_session_id"),
        ({"json": {"message": "hi", "session_id": 7}}, "bad_session_id"),
    ],
)
def test_bad_chat_input_is_a_clear_400(client: FlaskClient, kwargs: dict[str, object], code: str) -> None:
    response = client.post("/api/chat", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json["error"]["code"] == code and response.json["error"]["status"] == 400
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/products/search", 400, "missing_query"),
        ("/api/products/search?q=shoes&limit=0", 400, "bad_limit"),
        ("/api/products/search?q=shoes&limit=ten", 400, "bad_limit"),
        ("/api/chat/unknown-session-1", 404, "unknown_session"),
        ("/api/chat/bad!", 400, "bad_session_id"),
        ("/no/such/route", 404, "not_found"),
    ],
)
def test_bad_requests_answer_in_one_json_shape(client: FlaskClient, url: str, status: int, code: str) -> None:
    response = client.get(url)
    assert response.status_code == status and response.json["error"]["code"] == code
    assert response.content_type == "application/json"


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/chat")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_body_over_the_cap_is_413(make_app: AppFactory) -> None:
    client = make_app("testing", MAX_CONTENT_LENGTH="2048").test_client()
    response = client.post("/api/chat", json={"message": "x" * 4096})
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"


def test_rate_limit_answers_429(make_app: AppFactory) -> None:
    client = make_app("testing", RATE_LIMIT_PER_MINUTE="2").test_client()
    codes = [client.post("/api/chat", json={"message": "socks", "session_id": "limit-session"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_unexpected_error_is_a_json_500_without_traceback(make_app: AppFactory) -> None:
    app = make_app("testing")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)
