"""The `capacity` gate (issue 18) stops a cutover to Lambda whose measured peak would be throttled."""

from __future__ import annotations

import boto3
import pytest
from shopbot_cli.cutover.flow import run_cutover
from shopbot_cli.errors import CliError, ExitStatus

from tests.integration.cutover.conftest import Stage, capacity_log
from tests.unit.cutover.sample import ALB, API


def test_a_cutover_that_would_be_throttled_is_stopped_with_the_numbers(stage: Stage) -> None:
    # 600 chats a minute, 6 s each: 60 in flight; the function may only run 10 at once
    capacity_log(stage.tmp, requests_per_minute=600, seconds=6.0)
    boto3.client("lambda").put_function_concurrency(FunctionName="shopbot", ReservedConcurrentExecutions=10)
    before = stage.config()[0]
    with pytest.raises(CliError) as caught:
        run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.DIFFERENCES
    message = str(caught.value)
    # 6 s on ECS = 4.8 s waiting + 1.2 s CPU (cost_cpu_fraction 0.2); at 512 MB Lambda gives 512/1769 of a
    # vCPU, so 4.8 + 1.2 x 1769/512 = 8.95 s, and 10 arrivals/s x 8.95 s = 89.5 in flight
    assert message.startswith("gate 'capacity' failed: p99 minute needs 89.5 concurrent executions")
    assert "reserved concurrency is 10: the peak would be throttled" in message
    assert stage.config()[0] == before and before["DefaultCacheBehavior"]["TargetOriginId"] == ALB
    assert stage.ledger() == []                       # nothing recorded, nothing changed


def test_the_same_traffic_passes_with_room_and_is_recorded(stage: Stage) -> None:
    capacity_log(stage.tmp, requests_per_minute=600, seconds=6.0)
    boto3.client("lambda").put_function_concurrency(FunctionName="shopbot", ReservedConcurrentExecutions=100)
    result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    capacity = next(gate for gate in result["gates"] if gate["name"] == "capacity")
    assert capacity["passed"] and "reserved concurrency is 100" in capacity["detail"]


def test_force_skips_a_failing_capacity_gate_on_the_record(stage: Stage) -> None:
    capacity_log(stage.tmp, requests_per_minute=600, seconds=6.0)
    boto3.client("lambda").put_function_concurrency(FunctionName="shopbot", ReservedConcurrentExecutions=10)
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options(force=True))
    intent = stage.ledger()[0]
    assert "capacity" in intent["forced"]


def test_no_traffic_is_inconclusive_and_stops_the_cutover(stage: Stage) -> None:
    settings = stage.settings.with_overrides(traffic_logs=str(stage.tmp / "empty.log"))
    (stage.tmp / "empty.log").write_text("")
    with pytest.raises(CliError, match=r"gate 'capacity' failed: inconclusive: .*no request served by a target"):
        run_cutover(settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())


def test_moving_back_to_ecs_does_not_need_the_gate(stage: Stage) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    capacity_log(stage.tmp, requests_per_minute=600, seconds=6.0)
    boto3.client("lambda").put_function_concurrency(FunctionName="shopbot", ReservedConcurrentExecutions=1)
    result = run_cutover(stage.settings, "ecs", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert [gate["name"] for gate in result["gates"]] == ["health:ecs", "parity"]
