"""Chat: the bot answers with products; the conversation lives in the context store.

When the context store is down, chat still answers (without history, and says so with
`"context_available": false`); reading or deleting a history then answers 503. Nothing
is written half: a turn pair is appended atomically or not at all.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from flask import Blueprint, current_app, g, request

from ..context import Turn
from ..errors import BadRequest, DependencyUnavailable, NotFound
from ..extensions import components, context_store
from ..ratelimit import client_address

bp = Blueprint("chat", __name__)
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch: `$` would let a trailing newline in
LAMBDA_SAFETY_SECONDS = 1.0  # leave time to answer before Lambda kills the invocation
API_GATEWAY_TIMEOUT_SECONDS = 30.0  # HTTP API's hard integration timeout: never plan past it


@bp.post("/api/chat")
def chat() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json nested deeper than the interpreter's stack: not a ValueError
        body = None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object like {\"message\": \"...\"}", code="bad_json")
    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest("'message' is required and must be a string", code="missing_message")
    message = message.strip()
    if not message:
        raise BadRequest("'message' must not be empty", code="empty_message")
    limit = components().config.max_message_chars
    if len(message) > limit:
        raise BadRequest(f"'message' is longer than {limit} characters", code="message_too_long")
    session_id = body.get("session_id")
    if session_id is None:
        session_id = uuid.uuid4().hex
    elif not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise BadRequest("'session_id' must be 8-64 letters, digits, '-' or '_'", code="bad_session_id")

    parts = components()
    if g.get("shadow_tag") is None:  # a signed shadow copy was already counted as the shopper's request
        parts.rate_limiter.check(client_address(request.environ, parts.config))
    context_available = True
    try:
        history = context_store().history(session_id)
    except DependencyUnavailable:
        history, context_available = [], False
    reply = parts.bot.reply(message, history, _deadline())
    if context_available:
        now = time.time()
        try:
            context_store().append(session_id, [Turn("user", message, now), Turn("assistant", reply.text, now)])
        except DependencyUnavailable:
            context_available = False
    return {
        "session_id": session_id,
        "reply": reply.text,
        "products": [product.to_dict() for product in reply.products],
        "context_available": context_available,
    }


@bp.get("/api/chat/<session_id>")
def history(session_id: str) -> dict[str, Any]:
    _check_session_id(session_id)
    turns = context_store().history(session_id)
    if not turns:
        raise NotFound(f"no conversation with session id {session_id}", code="unknown_session")
    return {"session_id": session_id, "turns": [turn.to_dict() for turn in turns]}


@bp.delete("/api/chat/<session_id>")
def forget(session_id: str) -> dict[str, Any]:
    _check_session_id(session_id)
    if not context_store().delete(session_id):
        raise NotFound(f"no conversation with session id {session_id}", code="unknown_session")
    return {"session_id": session_id, "deleted": True}


def _check_session_id(session_id: str) -> None:
    if not SESSION_ID.fullmatch(session_id):
        raise BadRequest("session id must be 8-64 letters, digits, '-' or '_'", code="bad_session_id")


def _deadline() -> float:
    """When the bot must stop trying: the configured budget, or less if Lambda has less left."""
    budget = min(float(current_app.config["REQUEST_DEADLINE_SECONDS"]),
                 API_GATEWAY_TIMEOUT_SECONDS - LAMBDA_SAFETY_SECONDS)
    lambda_context = request.environ.get("serverless.context")
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        budget = min(budget, remaining() / 1000 - LAMBDA_SAFETY_SECONDS)
    return time.monotonic() + max(budget, 0.0)
