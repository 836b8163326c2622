"""Fixtures for parity tests: the divergent test server as a real process, and a CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support import free_port, stop, wait_for_http

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def divergent() -> Iterator[str]:
    """Base URL of the divergent server; `f"{url}/m/<mode>"` is one target."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "divergent.py"), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/m/base/health", process=process)
        yield url
    finally:
        stop(process)


@dataclass
class Outcome:
    exit_code: int
    output: str
    report: dict[str, Any] | None

    def route(self, name: str) -> dict[str, Any]:
        assert self.report is not None, self.output
        return next(r for r in self.report["routes"] if r["route"] == name)

    def failures(self, name: str) -> str:
        return "\n".join(self.route(name)["failures"])


def run_check(out: Path, *args: str) -> Outcome:
    from shopbot_cli.main import app

    result = CliRunner().invoke(app, ["parity-check", "--out", str(out), *args])
    report_path = out / "parity-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return Outcome(result.exit_code, result.output, report)
