"""The real service on both targets as real processes (`shopbot serve`), sharing a real Redis."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from tests.support import SHOPBOT, clean_env, free_port, stop, wait_for_http


@pytest.fixture(scope="module")
def real_pair(redis_server: object) -> Iterator[tuple[str, str, str]]:
    """(ecs URL, lambda URL, redis URL): `shopbot serve --target ecs` and `--target lambda`."""
    redis_url = redis_server.url  # type: ignore[attr-defined]
    env = clean_env(APP_ENV="development", REDIS_URL=redis_url, LOG_LEVEL="warning")
    processes = []
    urls = []
    try:
        for target in ("ecs", "lambda"):
            port = free_port()
            process = subprocess.Popen([SHOPBOT, "serve", "--target", target, "--port", str(port)], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
            wait_for_http(f"{urls[-1]}/health", timeout=40, process=process)
        yield urls[0], urls[1], redis_url
    finally:
        for process in processes:
            stop(process)


def test_parity_passes_on_the_smoke_corpus_against_the_real_pair(real_pair: tuple[str, str, str],
                                                                 tmp_path: Path) -> None:
    ecs, lam, _ = real_pair
    # Concurrency 1 keeps the emulator on one execution environment, so each route's one lazy
    # initialisation is a cold start the checker sets apart; the absolute latency slack is wide because
    # 2 shared cores make local p95s jumpy. The budget itself is tested with a slow server.
    completed = subprocess.run(
        [SHOPBOT, "parity-check", "--primary", ecs, "--candidate", lam + "/", "--out", str(tmp_path),
         "--concurrency", "1", "--budget-min-ms", "250", "--json"],
        capture_output=True, text=True, timeout=120, env=clean_env())
    assert completed.returncode == 0, completed.stderr + completed.stdout
    printed = json.loads(completed.stdout)
    report = json.loads((tmp_path / "parity-report.json").read_text())
    assert printed["passed"] is report["passed"] is True
    # the contract `shopbot cutover` relies on
    assert report["version"] == 1
    assert report["primary"] == ecs and report["candidate"] == lam + "/"
    age = datetime.now(UTC) - datetime.fromisoformat(report["generated_at"].replace("Z", "+00:00"))
    assert age.total_seconds() < 120
    assert len(report["corpus_sha256"]) == 64
    # every route of the service was exercised by the smoke corpus
    assert set(report["coverage"]["covered"]) >= {"GET /health", "GET /health/ready", "POST /api/chat",
                                                  "GET /api/chat/<session_id>", "DELETE /api/chat/<session_id>",
                                                  "GET /api/products/search"}
    assert report["coverage"]["not_covered"] == []
    for route in report["routes"]:
        assert route["verdict"] == "pass", route
        assert set(route["latency"]) == {"primary", "candidate", "p95_ratio"}
    # the platform header that differs by design, and API Gateway's request id, are not differences
    keys = {d["key"] for d in report["differences"]}
    assert "headers.x-shopbot-target" not in keys and "headers.apigw-requestid" not in keys
    assert (tmp_path / "parity-junit.xml").read_text().count("<testcase") == len(report["routes"])
    assert "<svg" in (tmp_path / "parity-report.html").read_text()


def test_chat_sessions_are_kept_apart_per_side_and_repetition(real_pair: tuple[str, str, str],
                                                              tmp_path: Path) -> None:
    ecs, lam, redis_url = real_pair
    corpus = tmp_path / "chat.yaml"
    corpus.write_text(
        "rules:\n"  # one conversation is enough to check the sessions; let its timestamps count as noise
        "  'GET /api/chat/<session_id>': {min_samples: 1}\n"
        "requests:\n"
        "  - {method: POST, path: /api/chat, json: {message: trail shoes, session_id: parity-apart-1}, safe: true}\n"
        "  - {method: GET, path: /api/chat/parity-apart-1}\n"
        "  - {method: DELETE, path: /api/chat/parity-apart-1}\n"  # not marked safe: skipped
    )
    completed = subprocess.run(
        [SHOPBOT, "parity-check", "--primary", ecs, "--candidate", lam, "--out", str(tmp_path / "out"),
         "--corpus", str(corpus), "--concurrency", "2", "--budget-min-ms", "1000"],
        capture_output=True, text=True, timeout=120, env=clean_env())
    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert "1 mutating request(s) skipped" in completed.stdout + completed.stderr
    store = redis.Redis.from_url(redis_url)
    keys = sorted(k.decode() if isinstance(k, bytes) else k for k in store.keys("shopbot:ctx:parity-apart-1*"))
    # one conversation per side and repetition, each with exactly one user turn and one reply
    assert keys == [f"shopbot:ctx:parity-apart-1-{tag}" for tag in ("c1", "c2", "p1", "p2")]
    assert all(store.llen(key) == 2 for key in keys)
    report = json.loads((tmp_path / "out" / "parity-report.json").read_text())
    delete = next(r for r in report["routes"] if r["route"] == "DELETE /api/chat/<session_id>")
    assert delete["verdict"] == "not_covered" and "skipped" in delete["why"][0]
    assert report["skipped"]["total"] == 1
