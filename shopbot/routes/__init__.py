"""Thin blueprints: parse the request, call a component, answer JSON."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .chat import bp as chat
    from .health import bp as health
    from .products import bp as products

    for blueprint in (health, chat, products):
        app.register_blueprint(blueprint)
