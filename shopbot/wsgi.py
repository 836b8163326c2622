"""gunicorn entry point (ECS): `gunicorn -c deploy/ecs/gunicorn.conf.py shopbot.wsgi:app`.

Uses APP_ENV/FLASK_ENV like everywhere else, but defaults to production: a container
that forgets to say otherwise should not run with development settings.
"""

from __future__ import annotations

import os

from . import create_app

app = create_app(os.environ.get("APP_ENV") or os.environ.get("FLASK_ENV") or "production")

if os.environ.get("SHADOW_TARGET_URL"):  # live shadowing to the other target (shopbot/shadow)
    from .shadow.mirror import install

    install(app)
