"""API Gateway's integration timeout (30 s on AWS) answers 503 while the function runs on.

Run in-process with the cap lowered to 1 s so the test takes seconds, not half a minute:
the same gateway code, a smaller number.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from shopbot_cli.emulator.gateway import GatewayConfig
from shopbot_cli.emulator.runner import LambdaEmulator
from shopbot_cli.emulator.workers import FunctionConfig

from tests.support import clean_env


@pytest.fixture
def emulator_url(handler_dir: Path, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    lines: list[str] = []
    function = FunctionConfig(handler="behaviours.handler", code_dir=handler_dir, tmp_dir=tmp_path,
                              timeout_s=10, concurrency=1, user_env=clean_env())
    emulator = LambdaEmulator(function, GatewayConfig(integration_timeout_s=1.0), lines.append)
    url = asyncio.run_coroutine_threadsafe(emulator.start("127.0.0.1", 0), loop).result(10)
    try:
        yield url, lines
    finally:
        asyncio.run_coroutine_threadsafe(emulator.close(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_integration_timeout_answers_503_and_the_function_finishes(emulator_url: tuple[str, list[str]]) -> None:
    url, lines = emulator_url
    started = time.monotonic()
    response = requests.get(f"{url}/sleep?s=2.5", timeout=30)
    assert time.monotonic() - started < 2.3
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    assert "apigw-requestid" in response.headers
    time.sleep(2)  # the abandoned invocation runs to its end in its (only) worker
    after = requests.get(f"{url}/pid", timeout=30)
    assert after.status_code == 200
    assert sum("Init Duration" in line for line in lines) == 1  # the same warm worker answered
    assert sum("REPORT RequestId" in line for line in lines) == 2
    assert any("integration timeout" in line for line in lines)
    assert not any("Status: timeout" in line for line in lines)  # the function itself did not time out
