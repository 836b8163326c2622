"""`serve` ships both targets' logs to the local AWS's CloudWatch Logs, where `shopbot logs` reads
them: real gunicorn and the real emulator against the suite's moto server."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from shopbot_cli.emulator.targets import RunningTarget, start_target

from tests.support import clean_env, free_port

from .conftest import ECS_GROUP, LAMBDA_GROUP, run, run_json

LAMBDA_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")   # as Lambda names them
ECS_STREAM = re.compile(r"^shopbot/shopbot/[0-9a-f]{32}$")                # awslogs: prefix/container/task id


def serve(target: str, log: Path) -> RunningTarget:
    args = ["--concurrency", "1"] if target == "lambda" else ["--workers", "1"]
    with log.open("ab") as output:
        return start_target(target, free_port(), clean_env(), args=args, output=output)


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """The first truthy result of `check`, polled: shipping is asynchronous (about every second)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_both_targets_lines_reach_shopbot_logs_while_serving(
    settings_file: Path, logs_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPBOT_ECS_LOG_GROUP", ECS_GROUP)  # the targets' and `shopbot logs`' setting
    marker = uuid.uuid4().hex
    ecs, lambda_ = serve("ecs", tmp_path / "ecs.log"), serve("lambda", tmp_path / "lambda.log")
    try:
        for running in (ecs, lambda_):
            answer = requests.get(f"{running.url}/api/products/search", params={"q": marker}, timeout=30)
            assert answer.status_code == 200

        def both_logged() -> dict[str, Any] | None:
            result = run("logs", "--target", "both", "--since", "5m", "--json")
            if result.exit_code == 3:  # a group not created yet: nothing shipped so far
                return None
            assert result.exit_code == 0, result.stderr
            events = json.loads(result.stdout)["events"]
            ecs_lines = [e for e in events if e["target"] == "ecs" and marker in str(e["message"])]
            reports = [e for e in events if e["target"] == "lambda" and str(e["message"]).startswith("REPORT")]
            return {"events": events, "ecs": ecs_lines} if ecs_lines and reports else None

        seen = wait_for(both_logged)  # while both still run: the ~1 s flush, not the one at shutdown
        assert seen, "both targets' lines never reached CloudWatch Logs"
    finally:
        ecs.stop()
        lambda_.stop()

    # gunicorn's last words are written while it stops: only the flush at shutdown can ship them
    last_words = run_json("logs", "--target", "ecs", "--since", "5m", "--filter", "Shutting down")["events"]
    assert [e["stream"] for e in last_words] == [seen["ecs"][0]["stream"]]

    access = seen["ecs"][0]
    assert access["is_json"] and access["message"]["status"] == 200  # gunicorn's JSON access line, kept JSON
    assert ECS_STREAM.match(access["stream"])

    lambda_lines = [e for e in seen["events"] if e["target"] == "lambda"]
    named = (re.search(r"RequestId: ([0-9a-f-]{36})", str(e["message"])) for e in lambda_lines)
    request_ids = {match.group(1) for match in named if match}
    assert len(request_ids) == 1  # one request, one invocation
    request_id = request_ids.pop()
    kinds = [str(e["message"]).split(" ")[0] for e in lambda_lines if request_id in str(e["message"])]
    assert kinds == ["START", "END", "REPORT"]
    assert {e["stream"] for e in lambda_lines} == {lambda_lines[0]["stream"]}  # one environment, one stream
    assert LAMBDA_STREAM.match(lambda_lines[0]["stream"])

    summary = run_json("logs", "--summary", "--target", "lambda", "--since", "5m")
    assert summary["invocations"] == 1 and summary["cold_starts"] == 1
    assert summary["memory_mb"]["configured"] == 512.0 and summary["memory_mb"]["max_used"] > 0
    groups = {g["logGroupName"] for g in logs_client.describe_log_groups()["logGroups"]}
    assert {LAMBDA_GROUP, ECS_GROUP} <= groups


@pytest.mark.parametrize("target", ["ecs", "lambda"])
def test_unreachable_cloudwatch_costs_lines_not_answers_and_is_said_once(
    target: str, settings_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    log = tmp_path / f"{target}.log"
    running = serve(target, log)
    try:
        statuses = []
        for _ in range(3):  # across several flushes: each one fails
            statuses.append(requests.get(f"{running.url}/health", timeout=10).status_code)
            time.sleep(1.2)
    finally:
        code = running.stop()

    assert statuses == [200, 200, 200]
    assert code == 0
    output = log.read_text()
    assert output.count("cannot ship logs to CloudWatch Logs") == 1, output
    lost = re.findall(r"(\d+) log line\(s\) never reached CloudWatch Logs", output)
    assert len(lost) == 1 and int(lost[0]) >= 3, output  # counted, and said once at the end
    assert "Traceback" not in output
