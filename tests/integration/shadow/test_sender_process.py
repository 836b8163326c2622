"""The sender process (one per gunicorn worker): started by the first sampled request, it
writes what it collected and exits with its worker, whether the worker stops gracefully
(SIGTERM), is killed, or the whole server stops; no process is left behind."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import requests
from shopbot_cli.emulator.targets import RunningTarget, start_target

from tests.support import clean_env, free_port

KEY = "test-shadow-signing-key-0123456789"


def descendants(pid: int) -> dict[int, str]:
    """Every live process under `pid`, with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    found[child] = (Path("/proc", str(child), "cmdline").read_bytes().replace(b"\0", b" ").decode())
                except OSError:
                    continue
                frontier.append(child)
    return found


def senders(server: RunningTarget) -> dict[int, str]:
    return {pid: line for pid, line in descendants(server.process.pid).items() if "spawn_main" in line}


def alive(pid: int) -> bool:
    try:
        stat = Path("/proc", str(pid), "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(check: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def stats_lines(folder: Path) -> list[dict[str, int]]:
    lines = []
    for batch in sorted(folder.glob("shadow-*.jsonl")):
        lines += [json.loads(line) for line in batch.read_text().splitlines()]
    return [line for line in lines if line.get("kind") == "stats"]


def shadowed_server(pairs: Path) -> RunningTarget:
    down = f"http://127.0.0.1:{free_port()}"  # each copy fails at once, counted (P2 too: a stopping worker
    env = clean_env(SHADOW_SIGNING_KEY=KEY, SHADOW_TARGET_URL=down, SHADOW_PRIMARY_URL=down,  # cannot answer it)
                    SHADOW_SAMPLE_RATE="1", SHADOW_SINK=f"file://{pairs}", SHADOW_BATCH_SECONDS="3600",
                    GUNICORN_ACCESSLOG="", LOG_LEVEL="warning")
    return start_target("ecs", free_port(), env, args=["--workers", "1", "--threads", "2"])


def sampled(server: RunningTarget) -> tuple[int, int]:
    """Make one sampled request; the pids of the worker that answered and of its sender."""
    assert requests.get(f"{server.url}/api/products/search?q=tent", timeout=10).status_code == 200
    assert wait_until(lambda: len(senders(server)) >= 1)
    (sender,) = senders(server)
    worker = int(Path("/proc", str(sender), "stat").read_text().rsplit(")", 1)[1].split()[1])
    return worker, sender


def test_no_sender_until_a_request_is_sampled(tmp_path: Path) -> None:
    with shadowed_server(tmp_path) as server:
        assert requests.get(f"{server.url}/health", timeout=10).status_code == 200  # not under /api/
        time.sleep(0.5)
        assert senders(server) == {}


def test_the_sender_writes_its_batch_and_exits_with_its_worker(tmp_path: Path) -> None:
    with shadowed_server(tmp_path) as server:
        worker, sender = sampled(server)
        os.kill(worker, signal.SIGTERM)  # gunicorn's graceful worker exit (the master starts another)
        assert wait_until(lambda: not alive(sender)), "the sender outlived its worker's graceful exit"
        assert [(s["sampled"], s["pairs"], s["errors"]) for s in stats_lines(tmp_path)] == [(1, 1, 3)]

        worker, sender = sampled(server)  # the new worker starts its own sender
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: not alive(sender), timeout=5), "the sender outlived its killed worker"
        assert [s["pairs"] for s in stats_lines(tmp_path)] == [1, 1]  # it wrote what it had collected

        worker, sender = sampled(server)
        left = set(descendants(server.process.pid)) - {server.process.pid}
        server.process.send_signal(signal.SIGTERM)  # the whole server stops gracefully
        server.process.wait(timeout=30)
        assert wait_until(lambda: not any(alive(pid) for pid in left)), [pid for pid in left if alive(pid)]
        assert [s["pairs"] for s in stats_lines(tmp_path)] == [1, 1, 1]
