"""Structured JSON logs on ECS with the same fields Powertools writes on Lambda.

On Lambda the Powertools Logger owns the "shopbot" logger; elsewhere this formatter
does, so a log query works the same on both targets.
"""

from __future__ import annotations

import json
import logging
import time

SERVICE = "shopbot"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.created))
            + f",{int(record.msecs):03d}+0000",
            "service": SERVICE,
        }
        correlation_id = getattr(record, "correlation_id", None)
        if correlation_id:
            entry["correlation_id"] = correlation_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, as_json: bool) -> None:
    """Give the "shopbot" logger one stderr handler, unless someone (Powertools) already did."""
    logger = logging.getLogger(SERVICE)
    logger.setLevel(level)
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
