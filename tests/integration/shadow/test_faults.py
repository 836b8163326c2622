"""Candidate down, slow, or the queue full: the shopper never notices; each is counted."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client, TestResponse

from shopbot import create_app
from shopbot.config import get_config
from shopbot.shadow.mirror import ShadowMirror
from shopbot.shadow.settings import ShadowSettings
from tests.support import free_port


@pytest.fixture
def silent_candidate() -> Iterator[str]:
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def mirrored(tmp_path: Path, candidate: str, **env: str) -> tuple[Client, ShadowMirror]:
    app = create_app(get_config("testing", env={}))
    settings = ShadowSettings.from_env({
        "SHADOW_TARGET_URL": candidate, "SHADOW_PRIMARY_URL": candidate, "SHADOW_SIGNING_KEY": "k" * 32,
        "SHADOW_SAMPLE_RATE": "1", "SHADOW_SINK": f"file://{tmp_path}", "SHADOW_TIMEOUT_SECONDS": "0.3", **env,
    })
    assert settings is not None
    mirror = ShadowMirror(app.wsgi_app, settings)
    app.wsgi_app = mirror  # type: ignore[method-assign]
    return Client(app), mirror


def get(client: Client, url: str) -> TestResponse:
    """As a server does: read the answer, then close it (closing hands the copy to the queue)."""
    answer = client.get(url)
    answer.close()
    return answer


def test_a_candidate_that_is_down_is_counted_and_the_shopper_still_answered(tmp_path: Path) -> None:
    client, mirror = mirrored(tmp_path, f"http://127.0.0.1:{free_port()}")
    answer = get(client, "/api/products/search?q=tent")
    assert answer.status_code == 200 and answer.json and answer.json["products"]
    mirror.drain()
    counts = mirror.stats.snapshot()
    assert counts["pairs"] == 1 and counts["errors"] == 3 and counts["timeouts"] == 0


def test_a_slow_candidate_times_out_and_a_full_queue_drops_without_delaying_anyone(
    tmp_path: Path, silent_candidate: str,
) -> None:
    client, mirror = mirrored(tmp_path, silent_candidate, SHADOW_QUEUE_SIZE="1")
    took = []
    for _ in range(6):
        started = time.perf_counter()
        assert get(client, "/api/products/search?q=tent").status_code == 200
        took.append(time.perf_counter() - started)
    assert max(took) < 0.25  # each request is far quicker than one shadow timeout (0.3 s)
    mirror.drain(timeout=10)
    counts = mirror.stats.snapshot()
    assert counts["dropped_queue_full"] >= 3
    assert counts["timeouts"] >= 3 and counts["pairs"] == 6 - counts["dropped_queue_full"]


def test_the_budget_and_the_routes_limit_what_is_shadowed(tmp_path: Path) -> None:
    client, mirror = mirrored(tmp_path, f"http://127.0.0.1:{free_port()}", SHADOW_MAX_PER_MINUTE="2")
    for _ in range(4):
        get(client, "/api/products/search?q=tent")
    get(client, "/health")  # not under /api/: never shadowed
    mirror.drain()
    counts = mirror.stats.snapshot()
    assert (counts["sampled"], counts["dropped_budget"], counts["pairs"]) == (4, 2, 2)


def test_a_worker_exiting_while_a_copy_hangs_still_writes_the_counters_and_leaves_no_sender(
    tmp_path: Path, silent_candidate: str,
) -> None:
    client, mirror = mirrored(tmp_path, silent_candidate, SHADOW_TIMEOUT_SECONDS="20")
    for _ in range(3):
        assert get(client, "/api/products/search?q=tent").status_code == 200
    sender = mirror._sender
    started = time.monotonic()
    mirror.close(timeout=0.5)  # the worker's exit: the sender is still waiting on its first copy
    assert time.monotonic() - started < 5 and not sender.is_alive()
    (batch,) = tmp_path.glob("shadow-*.jsonl")
    (stats,) = [json.loads(line) for line in batch.read_text().splitlines()]
    assert stats["kind"] == "stats" and (stats["sampled"], stats["pairs"]) == (3, 0)


def test_a_kept_alive_connection_the_server_closed_is_retried_fresh_not_counted_as_an_error(tmp_path: Path) -> None:
    from shopbot.shadow.sender import COUNTERS, Counters, Sender
    from shopbot.shadow.sink import BatchSink, FolderWriter

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def answer_once_then_hang_up() -> None:  # as a server whose keep-alive timeout passed between two copies
        while True:
            try:
                connection = server.accept()[0]
            except OSError:
                return
            accepted.append(connection)
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            connection.close()

    threading.Thread(target=answer_once_then_hang_up, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    settings = ShadowSettings.from_env({"SHADOW_TARGET_URL": url, "SHADOW_PRIMARY_URL": url,
                                        "SHADOW_SIGNING_KEY": "k" * 32, "SHADOW_TIMEOUT_SECONDS": "2"})
    assert settings is not None
    counters = Counters([0] * len(COUNTERS))
    sender = Sender(settings, counters, BatchSink(FolderWriter(str(tmp_path)), 1_000_000))
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/products/search", "QUERY_STRING": "q=tent"}
    for _ in range(2):
        sender.shadow(time.time(), environ, b"", "200 OK", [], b"{}", 1.0)
    sender.flush()
    server.close()
    pairs = [json.loads(line) for line in next(tmp_path.glob("shadow-*.jsonl")).read_text().splitlines()][:-1]
    assert [side["status"] for pair in pairs for side in pair["answers"].values()] == [200] * 8
    assert counters.snapshot()["errors"] == 0 and len(accepted) == 6
