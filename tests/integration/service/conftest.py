"""Apps built the way each target builds them, with settings given per test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from shopbot import create_app
from shopbot.config import get_config

AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app() -> AppFactory:
    """make_app("lambda", REDIS_URL=...) -> a Flask app for that config name and environment."""

    def build(name: str = "testing", **env: str) -> Flask:
        return create_app(get_config(name, env=env))

    return build
