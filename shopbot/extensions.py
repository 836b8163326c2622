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
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from .bot import Bot
    from .context import ContextStore
    from .search import ProductSearch

EXTENSION_KEY = "shopbot"


class Components:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.RLock()
        self._secrets_loaded = config.secrets_manager_secret is None
        self._context: ContextStore | None = None
        self._search: ProductSearch | None = None
        self._bot: Bot | None = None
        self.rate_limiter = RateLimiter(config.rate_limit_per_minute)

    @property
    def context(self) -> ContextStore:
        if self._context is None:
            with self._lock:
                if self._context is None:
                    from .context import build_context_store

                    self._context = build_context_store(self.settings())
        return self._context

    @property
    def search(self) -> ProductSearch:
        if self._search is None:
            with self._lock:
                if self._search is None:
                    from .search import build_search

                    self._search = build_search(self.settings())
        return self._search

    @property
    def bot(self) -> Bot:
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

    def settings(self) -> Config:
        """The config, re-read once after the secret has been loaded into the environment."""
        if not self._secrets_loaded:
            with self._lock:
                if not self._secrets_loaded:
                    from .secrets import load_secret_into_env

                    assert self.config.secrets_manager_secret
                    load_secret_into_env(self.config.secrets_manager_secret)
                    self.config = get_config(self.config.name)
                    self._secrets_loaded = True
        return self.config


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
