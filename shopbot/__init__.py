"""shopbot: a Flask shopping assistant that runs on ECS (gunicorn) and Lambda.

`create_app()` is cheap on purpose: it imports Flask and the routes, nothing else.
Redis, Elasticsearch, Anthropic and boto3 are imported and connected on first use
(see `extensions.py`), which keeps Lambda cold starts short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask

    from .config import Config

TARGET_HEADER = "X-Shopbot-Target"
SHADOW_HEADER = "X-Shopbot-Shadow"  # a signed copy sent by shopbot/shadow (see there)


def create_app(config: Config | str | None = None) -> Flask:
    """Build the app for a config object, a config name, or APP_ENV/FLASK_ENV."""
    from flask import Flask, Response, request

    from .config import get_config
    from .errors import register_error_handlers
    from .extensions import init_app
    from .logs import configure_logging
    from .routes import register_blueprints

    if config is None or isinstance(config, str):
        config = get_config(config)
    if config.instance_path:
        app = Flask(__name__, instance_path=config.instance_path)
    else:
        app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_content_length,
        REQUEST_DEADLINE_SECONDS=config.request_deadline_seconds,
        JSON_SORT_KEYS=False,
        TESTING=config.name == "testing",
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    configure_logging(config.log_level, config.log_json)
    register_error_handlers(app)
    register_blueprints(app)
    init_app(app, config)

    target = config.target

    @app.before_request
    def _admit_shadow_copies() -> None:
        if SHADOW_HEADER in request.headers:  # rare: the guard is imported only then
            from .shadow.guard import admit

            admit()

    @app.after_request
    def _name_the_target(response: Response) -> Response:
        response.headers[TARGET_HEADER] = target
        return response

    return app


