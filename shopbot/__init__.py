"""shopbot: a Flask shopping assistant that runs on ECS (gunicorn) and Lambda."""

__version__ = "0.1.0"
