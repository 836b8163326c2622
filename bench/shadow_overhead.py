"""Shadowing's cost on the shopper's thread: a sampled request through `ShadowMirror`
(body kept, answer teed, copy queued) vs the same WSGI app without it, same run, in-process.
Goal (#15): under 50 us added per sampled request. The sender process runs as in
production (its copies go to a closed port and fail at once), so the queue's feeder
thread, which pickles each copy in this process, is part of what is measured.

    .venv/bin/python bench/shadow_overhead.py [--requests 5000 --rounds 7]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import alternate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    import tempfile

    from shopbot.shadow.mirror import ShadowMirror
    from shopbot.shadow.settings import ShadowSettings

    body = b'{"message": "trail running shoes", "session_id": "shopper-0001"}'
    answer = b'{"session_id":"shopper-0001","reply":"' + b"x" * 600 + b'","products":[],"context_available":true}'

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]

    sink = tempfile.TemporaryDirectory()
    settings = ShadowSettings.from_env({"SHADOW_TARGET_URL": "http://127.0.0.1:9", "SHADOW_SIGNING_KEY": "k" * 32,
                                        "SHADOW_PRIMARY_URL": "http://127.0.0.1:9", "SHADOW_SINK": f"file://{sink.name}",
                                        "SHADOW_SAMPLE_RATE": "1", "SHADOW_MAX_PER_MINUTE": "1000000",
                                        "SHADOW_QUEUE_SIZE": "100000"})
    assert settings is not None
    mirror = ShadowMirror(app, settings)
    headers = {f"HTTP_X_HEADER_{n}": "v" * 20 for n in range(12)}

    def environ() -> dict[str, Any]:
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/chat", "QUERY_STRING": "", "CONTENT_TYPE":
                "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), **headers}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    def run(wsgi: Any) -> float:
        environs = [environ() for _ in range(args.requests)]
        started = time.perf_counter()
        for env in environs:
            result = wsgi(env, start_response)
            for _chunk in result:
                pass
            getattr(result, "close", lambda: None)()
        return (time.perf_counter() - started) / args.requests * 1e6

    run(mirror)  # the sender process starts on the first sampled request: not timed
    medians = alternate(args.rounds, bare=lambda: run(app), mirrored=lambda: run(mirror))
    counts = mirror.stats.snapshot()
    mirror.close(timeout=1.0)
    sink.cleanup()
    added = medians["mirrored"] - medians["bare"]
    print(f"per request: bare {medians['bare']:.1f} us, shadowed {medians['mirrored']:.1f} us "
          f"(copies queued {counts['sampled'] - counts['dropped_queue_full']}, sent by then {counts['pairs']})")
    print(f"added on the shopper's thread per sampled request: {added:.1f} us (goal < 50 us): "
          f"{'met' if added < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
