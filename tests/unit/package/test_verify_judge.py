"""How `--verify` judges what the isolated handler answered (the run itself is an integration test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.errors import CliError, ExitStatus
from shopbot_cli.package.target import Interpreter
from shopbot_cli.package.verify import _judge

PY = Interpreter(Path("/usr/bin/python3.12"), "3.12.1")


def _report(health: int = 200, chat: int = 200, products: int = 2, foreign: list[str] | None = None,
            target: str = "lambda") -> dict[str, Any]:
    body = json.dumps({"reply": "ok", "products": [{"id": i} for i in range(products)]})
    return {
        "import_seconds": 0.3, "compiled_at_import": [], "foreign": foreign or [], "sdk_imported": ["jmespath"],
        "calls": {
            "health": {"status": health, "body": "{}", "headers": {"X-Shopbot-Target": target}},
            "chat": {"status": chat, "body": body, "headers": {}},
        },
    }


def test_a_healthy_package_passes() -> None:
    verdict = _judge(_report(), PY)
    assert (verdict.health_status, verdict.chat_status, verdict.chat_products) == (200, 200, 2)
    assert verdict.to_dict()["passed"] is True


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (_report(health=500), "GET /health answered 500"),
        (_report(target="ecs"), "X-Shopbot-Target 'ecs', not 'lambda'"),
        (_report(chat=502), "POST /api/chat answered 502"),
        (_report(products=0), "with 0 products"),
        (_report(foreign=["/usr/lib/python3/dist-packages/flask/app.py"]), "modules came from outside the package"),
    ],
)
def test_anything_less_is_a_failed_check(report: dict[str, Any], message: str) -> None:
    with pytest.raises(CliError, match=message) as raised:
        _judge(report, PY)
    assert raised.value.status == ExitStatus.DIFFERENCES
