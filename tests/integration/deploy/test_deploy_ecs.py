"""`shopbot deploy --target ecs` against the moto server.

moto never launches tasks and never starts a new deployment on UpdateService, so a
waiting deploy there can only time out: the flows below use --no-wait, one test shows
the bounded wait ending with exit 1 and the change kept, and the rollout states of real
ECS are tested in tests/unit/deploy/test_ecs_rollout.py.
"""

from __future__ import annotations

import time

from .conftest import CLUSTER, REPOSITORY, SERVICE, Stack, run, run_json


def test_new_image_tag_registers_a_revision_and_updates_the_service(stack: Stack) -> None:
    result = run_json("deploy", "--target", "ecs", "--image-tag", "v2", "--no-wait", "--yes")

    new = stack.service_task_definition()
    assert new.endswith(f"task-definition/{CLUSTER}:2") and result["to_task_definition"] == new
    old_definition, new_definition = stack.task_definition(f"{CLUSTER}:1"), stack.task_definition(new)
    assert new_definition["containerDefinitions"][0]["image"] == f"{REPOSITORY}:v2"
    # everything else is copied from the revision the service ran
    for key in ("cpu", "memory", "networkMode", "requiresCompatibilities", "executionRoleArn"):
        assert new_definition[key] == old_definition[key], key
    old_container, new_container = old_definition["containerDefinitions"][0], new_definition["containerDefinitions"][0]
    assert {k: v for k, v in new_container.items() if k != "image"} == {
        k: v for k, v in old_container.items() if k != "image"}
    tags = stack.ecs.describe_task_definition(taskDefinition=new, include=["TAGS"])["tags"]
    assert tags == [{"key": "team", "value": "flean"}]
    entry = stack.ledger()[-1]
    assert entry["kind"] == "deploy" and entry["target"] == "ecs"
    assert entry["from_task_definition"].endswith(f"{CLUSTER}:1") and entry["to_task_definition"] == new
    assert entry["image"] == f"{REPOSITORY}:v2"


def test_to_revision_goes_back(stack: Stack) -> None:
    run_json("deploy", "--target", "ecs", "--image-tag", "v2", "--no-wait", "--yes")

    result = run_json("deploy", "--target", "ecs", "--to-revision", "1", "--no-wait", "--yes")

    assert stack.service_task_definition().endswith(f"{CLUSTER}:1")
    assert result["to_task_definition"].endswith(f"{CLUSTER}:1")
    assert len(stack.revisions()) == 2  # nothing new registered
    assert [e["to_task_definition"].rsplit(":", 1)[1] for e in stack.ledger()] == ["2", "1"]


def test_dry_run_changes_nothing(stack: Stack) -> None:
    result = run("deploy", "--target", "ecs", "--image-tag", "v2", "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert f"Register {CLUSTER}:2 with the new image" in result.stdout
    assert f"{REPOSITORY}:v1 -> {REPOSITORY}:v2" in result.stdout
    assert len(stack.revisions()) == 1
    assert stack.service_task_definition().endswith(f"{CLUSTER}:1")
    assert not stack.ledger_exists()


def test_bounded_wait_stops_with_exit_1_and_keeps_the_recorded_change(stack: Stack) -> None:
    """deploy_timeout_seconds = 2 in the fixture: moto's deployment never reaches the new revision."""
    started = time.monotonic()

    result = run("deploy", "--target", "ecs", "--image-tag", "v2", "--yes")

    assert result.exit_code == 1
    assert "not stable after 2s" in result.stderr and "applied and recorded" in result.stderr
    assert time.monotonic() - started < 15
    assert stack.service_task_definition().endswith(f"{CLUSTER}:2")
    assert stack.ledger()[-1]["to_task_definition"].endswith(f"{CLUSTER}:2")


def test_same_tag_is_nothing_to_change(stack: Stack) -> None:
    result = run("deploy", "--target", "ecs", "--image-tag", "v1", "--yes")

    assert result.exit_code == 0, result.stderr
    assert "Nothing to change" in result.stdout
    assert len(stack.revisions()) == 1
    assert SERVICE in result.stdout
