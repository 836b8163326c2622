"""`serve --target ecs`: gunicorn with the container's conf, flags passed through its variables,
and stopped with everything it started."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from shopbot_cli.emulator.targets import start_target

from tests.support import clean_env, free_port


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_ecs_runs_gunicorn_with_the_flags_and_stops_cleanly(tmp_path: Path, redis_url: str) -> None:
    with (tmp_path / "ecs.log").open("wb") as log:  # several workers need the shared store
        running = start_target("ecs", free_port(), clean_env(REDIS_URL=redis_url),
                               args=["--workers", "3", "--threads", "2"],
                               output=log)
        try:
            response = requests.get(f"{running.url}/health", timeout=30)
            assert response.status_code == 200
            assert response.headers["X-Shopbot-Target"] == "ecs"
            assert response.headers["Server"] == "gunicorn"
            (master,) = children(running.process.pid)
            deadline = time.monotonic() + 20
            while len(children(master)) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            workers = children(master)
            assert len(workers) == 3  # --workers 3 reached gunicorn through WEB_CONCURRENCY
        finally:
            status = running.stop()
    assert status == 0
    assert all(gone(pid) for pid in [master, *workers])
    assert "Booting worker" in (tmp_path / "ecs.log").read_text()


def test_ecs_without_redis_runs_one_worker_and_names_its_store(tmp_path: Path) -> None:
    with (tmp_path / "ecs.log").open("wb") as log:
        running = start_target("ecs", free_port(), clean_env(), output=log)
        try:
            assert requests.get(f"{running.url}/health", timeout=30).status_code == 200
            (master,) = children(running.process.pid)
            time.sleep(1.0)  # a second worker, if any, would have booted by now
            assert len(children(master)) == 1
        finally:
            running.stop()
    assert "conversation store: in memory, this one worker only (set REDIS_URL); 1 worker(s)" in (
        tmp_path / "ecs.log").read_text()
