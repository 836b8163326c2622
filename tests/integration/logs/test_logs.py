"""`shopbot logs` over a real moto server: both targets merged, filters, summary, faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from shopbot_cli.aws import AwsClients
from shopbot_cli.commands import logs as logs_command
from shopbot_cli.settings.environments import Settings

from tests.support import SHOPBOT, stop

from .conftest import ECS_GROUP, LAMBDA_GROUP, Put, report_line, run, run_json

POWERTOOLS_LINE = json.dumps({"level": "INFO", "message": "chat answered", "service": "shopbot",
                              "correlation_id": "apigw-req-42", "function_request_id": "lam-req-1"})


def test_both_targets_merge_in_time_order_and_json_lines_stay_json(put: Put, ecs_service: None) -> None:
    put(LAMBDA_GROUP, [(5000, "START RequestId: lam-req-1 Version: 3"), (3000, POWERTOOLS_LINE)])
    put(ECS_GROUP, [(4000, '{"level": "INFO", "message": "GET /health 200"}'), (1000, "plain text from gunicorn")])

    document = run_json("logs", "--since", "5m")

    events = document["events"]
    assert [(e["target"], e["is_json"]) for e in events] == [
        ("lambda", False), ("ecs", True), ("lambda", True), ("ecs", False)]
    assert events[2]["message"]["correlation_id"] == "apigw-req-42"  # an object, not a string
    assert document["groups"] == {"lambda": LAMBDA_GROUP, "ecs": ECS_GROUP}  # ECS group read from the task definition

    human = run("logs", "--since", "5m")
    assert human.exit_code == 0, human.stderr
    printed = [line for line in human.stdout.splitlines() if "lambda" in line and "{" in line]
    assert len(printed) == 1
    assert json.loads(printed[0][printed[0].index("{"):]) == json.loads(POWERTOOLS_LINE)  # verbatim, parseable


def test_target_since_filter_and_request_id_narrow_the_lines(put: Put, ecs_service: None) -> None:
    put(LAMBDA_GROUP, [
        (20 * 60_000, "old line from yesterday's deploy lam-req-9"),
        (4000, "START RequestId: lam-req-7 Version: 3"),
        (3000, "[ERROR] payment timeout lam-req-7"),
        (2000, "[ERROR] payment timeout lam-req-8"),
        (1000, "END RequestId: lam-req-7"),
    ])
    put(ECS_GROUP, [(2500, "[ERROR] payment timeout on ecs")])

    lambda_only = run_json("logs", "--target", "lambda", "--since", "10m")["events"]
    assert next(e["message"] for e in lambda_only) == "START RequestId: lam-req-7 Version: 3"  # 20 min old: out
    assert {e["target"] for e in lambda_only} == {"lambda"}

    one_request = run_json("logs", "--target", "lambda", "--request-id", "lam-req-7")["events"]
    assert [e["message"] for e in one_request] == [
        "START RequestId: lam-req-7 Version: 3", "[ERROR] payment timeout lam-req-7", "END RequestId: lam-req-7"]

    both = run_json("logs", "--request-id", "lam-req-7", "--filter", "payment timeout")["events"]
    assert [e["message"] for e in both] == ["[ERROR] payment timeout lam-req-7"]

    phrase = run_json("logs", "--filter", "payment timeout")["events"]
    assert [e["target"] for e in phrase] == ["lambda", "ecs", "lambda"]


def test_summary_reads_report_lines(put: Put) -> None:
    lines = [(60_000 - i * 1000, report_line(f"r{i}", duration=10 + i, memory_used=90 + i,
                                              init=400.0 + 10 * i if i % 10 == 0 else None,
                                              status="timeout" if i == 7 else None))
             for i in range(30)]
    put(LAMBDA_GROUP, [*lines, (500, "START RequestId: r99 Version: 3")])

    summary = run_json("logs", "--summary", "--target", "lambda", "--since", "10m")

    assert summary["invocations"] == 30
    assert summary["cold_starts"] == 3                                   # i = 0, 10, 20
    assert summary["init_duration_ms"] == {"p50": 500.0, "p99": None}     # 3 samples: no honest p99
    assert summary["duration_ms"]["p99"] == 39.0                          # 30 samples: p99 shown
    assert summary["memory_mb"] == {"max_used": 119.0, "configured": 512.0, "share": 119 / 512}
    assert summary["timeouts"] == 1
    assert summary["billed_duration_ms"]["total"] == sum(int(10 + i) + 1 for i in range(30))

    human = run("logs", "--summary", "--target", "lambda")
    assert human.exit_code == 0
    assert "cold starts" in human.stdout and "3 (10.0%)" in human.stdout
    assert "119 MB of 512 MB (23%)" in human.stdout


def test_summary_of_a_quiet_function_says_so(put: Put) -> None:
    put(LAMBDA_GROUP, [(1000, "a line that is not a REPORT")])
    result = run("logs", "--summary", "--target", "lambda")
    assert result.exit_code == 0
    assert "No REPORT lines" in result.stdout


def test_unknown_log_group_is_one_line_exit_3(aws: str, settings_file: Path) -> None:
    result = run("logs", "--target", "lambda")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        f"error: log group {LAMBDA_GROUP} not found: check `lambda_log_group` in shopbot.toml "
        "(or the target has not logged anything yet)"]


def test_ecs_without_a_group_or_service_names_the_setting(aws: str, settings_file: Path) -> None:
    settings_file.write_text('[environments.local]\nregion = "us-east-1"\n')
    result = run("logs", "--target", "ecs")
    assert result.exit_code == 3
    assert "ecs_log_group" in result.stderr and "Traceback" not in result.stderr


def _access_denied(**_: Any) -> AWSResponse:
    body = json.dumps({"__type": "AccessDeniedException",
                       "message": "User is not authorized to perform: logs:FilterLogEvents"}).encode()
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield body

    return AWSResponse("https://logs.us-east-1.amazonaws.com/", 400, headers, Raw())


def test_access_denied_is_one_line_exit_4(put: Put, monkeypatch: pytest.MonkeyPatch) -> None:
    put(LAMBDA_GROUP, [(1000, "a line")])

    class Denied(AwsClients):  # type: ignore[misc]
        def client(self, service: str) -> Any:
            client = super().client(service)
            client.meta.events.register("before-send.cloudwatch-logs.FilterLogEvents", _access_denied)
            return client

    monkeypatch.setattr(logs_command, "make_clients", lambda settings: Denied(settings))
    result = run("logs", "--target", "lambda")
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines() == [
        f"error: reading log group {LAMBDA_GROUP} (needs logs:FilterLogEvents): AccessDeniedException "
        "(the caller lacks permission: check the IAM policy)"]


@pytest.mark.parametrize(("args", "says"), [
    (["--since", "yesterday"], "--since 'yesterday': use a duration"),
    (["--target", "fargate"], "unknown target 'fargate'"),
    (["--request-id", "x y"], "--request-id 'x y'"),
    (["--summary", "--target", "ecs"], "--summary reads Lambda REPORT lines only"),
])
def test_bad_options_are_one_line_exit_2(aws: str, settings_file: Path, args: list[str], says: str) -> None:
    result = run("logs", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], lines


def test_follow_prints_new_lines_once_until_ctrl_c(put: Put, settings_file: Path, aws: str) -> None:
    put(LAMBDA_GROUP, [(2000, "before following")])
    process = subprocess.Popen([SHOPBOT, "logs", "--target", "lambda", "--follow", "--interval", "0.3", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert first["message"] == "before following"
        put(LAMBDA_GROUP, [(0, "arrived while following")])
        second = json.loads(process.stdout.readline())
        assert second["message"] == "arrived while following" and second["target"] == "lambda"
        time.sleep(1.0)  # several more polls: nothing repeats
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=15)
        assert process.returncode == 0, errors
        assert rest == ""
        assert "stopped following" in errors
    finally:
        stop(process)  # type: ignore[arg-type]


def test_settings_default_is_the_functions_group() -> None:
    from shopbot_cli.logs.groups import lambda_group

    assert lambda_group(Settings(lambda_function="f")) == "/aws/lambda/f"
    assert lambda_group(Settings(lambda_function="f", lambda_log_group="/custom")) == "/custom"
