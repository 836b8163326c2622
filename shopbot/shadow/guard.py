"""Admit a signed shadow copy on either target, and give it its own context namespace.

A request carrying `X-Shopbot-Shadow` is answered only when the header verifies against
`SHADOW_SIGNING_KEY` (which may come from the Secrets Manager secret, so it is loaded
first); otherwise 403 `shadow_refused`. Accepted signatures are remembered in the
service's Redis when it has one (a replay is refused by every worker and environment; while
Redis is down every shadow copy is refused), per process otherwise. An admitted copy reads
and writes conversations under `shadow-<tag>-<session id>`: the shopper's history is never
read or changed.
"""

from __future__ import annotations

import os

from flask import current_app, g, request

from ..context import ContextStore, Turn
from ..errors import Forbidden
from ..extensions import components
from . import SHADOW_HEADER
from .seen import build_seen_store
from .settings import ShadowConfigError, max_age_seconds
from .signing import ShadowRefused, Verifier

VERIFIER_KEY = "shopbot.shadow.verifier"


def admit() -> None:
    """Set `g.shadow_tag` for a valid shadow header; raise `Forbidden` for any other."""
    config = components().settings()  # the key may live in the Secrets Manager secret
    key = os.environ.get("SHADOW_SIGNING_KEY", "")
    if not key:
        raise Forbidden("shadow header refused: this service has no SHADOW_SIGNING_KEY", code="shadow_refused")
    made_for = (key, config.redis_url, config.redis_password)
    cached = current_app.extensions.get(VERIFIER_KEY)
    if isinstance(cached, tuple) and cached[0] == made_for:
        verifier: Verifier = cached[1]
    else:
        try:
            seen = build_seen_store(config.redis_url, config.redis_password, config.redis_timeout_seconds)
            verifier = Verifier(key.encode(), max_age_seconds(), seen)
        except ShadowConfigError as error:
            raise Forbidden(f"shadow header refused: {error}", code="shadow_refused") from None
        current_app.extensions[VERIFIER_KEY] = (made_for, verifier)
    try:
        g.shadow_tag = verifier.verify(request.headers[SHADOW_HEADER], request.method, request.path,
                                       request.get_data(cache=True))
    except ShadowRefused as error:
        raise Forbidden(f"shadow header refused: {error}", code="shadow_refused") from None


class Namespaced:
    """A context store seen through a prefix: `shadow-c1-<session id>`."""

    def __init__(self, store: ContextStore, tag: str) -> None:
        self.store, self.prefix = store, f"shadow-{tag}-"

    def history(self, session_id: str) -> list[Turn]:
        return self.store.history(self.prefix + session_id)

    def append(self, session_id: str, turns: list[Turn]) -> None:
        self.store.append(self.prefix + session_id, turns)

    def delete(self, session_id: str) -> bool:
        return self.store.delete(self.prefix + session_id)

    def ping(self) -> None:
        self.store.ping()

    def reconnect(self) -> None:
        self.store.reconnect()
