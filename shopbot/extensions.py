"""The service's components (context store, search, bot), built once, on first use.

On Lambda nothing is built at import: the first request that needs a component builds
it (and loads the Secrets Manager secret first, so keys from it are seen). Elsewhere,
or with EAGER_INIT for SnapStart, everything is built during start-up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flask import Flask, current_app, g

from .config import Config, get_config

if TYPE_CHECKING:
    from .bot import Bot
    from .context import ContextStore
    from .ratelimit import Limiter
    from .search import ProductSearch
    from .secrets import SecretCache

EXTENSION_KEY = "shopbot"


class Components:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.RLock()
        self._secrets: SecretCache | None = None
        if config.secrets_manager_secret is not None:
            from .secrets import SecretCache  # the module is small; boto3 is imported on first read

            self._secrets = SecretCache(config.secrets_manager_secret, config.secrets_ttl_seconds)
        self._context: ContextStore | None = None
        self._search: ProductSearch | None = None
        self._bot: Bot | None = None
        self._rate_limiter: Limiter | None = None

    @property
    def rate_limiter(self) -> Limiter:
        if self._rate_limiter is None:
            with self._lock:
                if self._rate_limiter is None:
                    from .ratelimit import build_rate_limiter

                    self._rate_limiter = build_rate_limiter(self.settings())
        return self._rate_limiter

    @property
    def context(self) -> ContextStore:
        if self._secrets is not None and self._secrets.due():
            self.settings()
        if self._context is None:
            with self._lock:
                if self._context is None:
                    from .context import build_context_store

                    self._context = build_context_store(self.settings())
        return self._context

    @property
    def search(self) -> ProductSearch:
        if self._secrets is not None and self._secrets.due():
            self.settings()
        if self._search is None:
            with self._lock:
                if self._search is None:
                    from .search import build_search

                    self._search = build_search(self.settings())
        return self._search

    @property
    def bot(self) -> Bot:
        if self._secrets is not None and self._secrets.due():
            self.settings()
        if self._bot is None:
            with self._lock:
                if self._bot is None:
                    from .bot import build_bot

                    self._bot = build_bot(self.settings(), self.search)
        return self._bot

    def build_all(self, warm: bool = False) -> None:
        """Build every component now; `warm` also runs a search (SnapStart snapshots it)."""
        self.context  # noqa: B018 - property access builds it
        self.bot  # noqa: B018
        if warm:
            self.search.search("warm up", 1)

    def reconnect(self) -> None:
        """After a SnapStart restore: drop sockets opened before the snapshot."""
        if self._context is not None:
            self._context.reconnect()
        if self._secrets is not None:
            self._secrets.expire()

    def settings(self) -> Config:
        """The config, re-read whenever the secret (first loaded here) brings new values."""
        if self._secrets is not None and self._secrets.due():
            with self._lock:
                if self._secrets.due() and self._secrets.refresh():
                    self._reconfigure(get_config(self.config.name))
        return self.config

    def _reconfigure(self, new: Config) -> None:
        """Adopt `new`; drop each built component whose settings changed (rebuilt on next use).
        Requests already holding the old one finish with it."""
        old, self.config = self.config, new
        changed = {name for name in vars(new) if getattr(old, name, None) != getattr(new, name)}

        def touches(*prefixes: str) -> bool:
            return any(name.startswith(prefixes) for name in changed)

        if touches("redis_", "context_"):
            self._context = None
        if touches("elasticsearch_", "search_"):
            self._search = None
            self._bot = None  # the bot holds the search tool
        if touches("anthropic_", "llm_", "request_deadline"):
            self._bot = None


def init_app(app: Flask, config: Config) -> Components:
    components = Components(config)
    app.extensions[EXTENSION_KEY] = components
    if config.eager_init:
        components.build_all(warm=True)
    elif not config.lazy_init:
        components.build_all()
    return components


def components() -> Components:
    """The current app's components (inside a request or app context)."""
    found: Components = current_app.extensions[EXTENSION_KEY]
    return found


def context_store() -> ContextStore:
    """The conversation store for this request: a signed shadow copy gets its own namespace."""
    store = components().context
    tag = g.get("shadow_tag")
    if tag is None:
        return store
    from .shadow.guard import Namespaced

    return Namespaced(store, tag)
