"""The demo's live-shadowing step: a task of the revision `shopbot shadow start` registered.

The local AWS records the new task definition but runs nothing, so the demo starts what ECS
would: one more local ECS target with that revision's SHADOW_* settings, shadowing to the
Lambda target. A small shoppers' load (searches and chats with bodies) goes to it; the
pairs it writes are what `shopbot shadow report` then reads.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from ..emulator.targets import RunningTarget, start_target
from ..shadow.pairs import read_batches
from ..shadow.switch import shadow_environment

ASKS: tuple[tuple[str, str, dict[str, str] | None], ...] = (
    ("GET", "/api/products/search?q=tent&limit=3", None),
    ("POST", "/api/chat", {"message": "a light tent for two"}),
    ("GET", "/api/products/search?q=stove&limit=5", None),
    ("POST", "/api/chat", {"message": "waterproof boots for hiking"}),
)


def revision_environment(ecs: Any, cluster: str, service: str) -> dict[str, str]:
    """The SHADOW_* settings of the revision the ECS service runs now."""
    arn = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return shadow_environment(definition["containerDefinitions"][0])


def start_shadowing_task(env: Mapping[str, str], shadow: Mapping[str, str], port: int,
                         log: Any) -> RunningTarget:
    """One ECS task of the shadowing revision; batches are written every second, not every minute."""
    return start_target("ecs", port, {**env, **shadow, "SHADOW_BATCH_SECONDS": "1"},
                        args=["--workers", "1"], output=log)


def shop(base: str, count: int) -> int:
    """`count` shoppers' requests (each chat its own session, with a body); how many got a 200."""

    def send(index: int) -> int:
        method, path, body = ASKS[index % len(ASKS)]
        if body is not None:
            body = {**body, "session_id": f"demo-shopper-{index:04d}"}
        return requests.request(method, base + path, json=body, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        return sum(status == 200 for status in pool.map(send, range(count)))


def wait_for_pairs(folder: Path, count: int, timeout: float = 30.0) -> int:
    """Pairs written to `folder` once `count` are there (or what is there after `timeout` s)."""
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        found = len(read_batches(str(folder), None).pairs) if folder.is_dir() else 0
        if found >= count:
            break
        time.sleep(0.3)
    return found
