"""Comparison-engine cost per request (one P1/C1 pair plus the P1/P2, C1/C2 noise pairs), the new noise
statistics vs the implementation before issue #13, side by side in one run (goal: <= 1.1x).

    .venv/bin/python bench/parity_compare_cost.py [--base 5727f33 --requests 3000 --rounds 9]

The old `cli/parity/noise.py` and `compare.py` are read from git at `--base` and loaded next to the
new ones; nothing of them stays in the package. Each round times both engines on the same answers
(JSON search bodies with a timestamp and a request id that vary per answer, a price that differs on
one request in ten, and a few headers), including the per-route decisions at the end. Prints medians
of interleaved rounds: CPU microseconds per request for each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import types
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shopbot_cli.parity import compare as new_compare  # noqa: E402
from shopbot_cli.parity import noise as new_noise  # noqa: E402
from shopbot_cli.parity.corpus import Rules  # noqa: E402
from shopbot_cli.parity.redact import Redactor  # noqa: E402

from bench._common import alternate  # noqa: E402


def old_module(name: str, base: str, source: str, **replacements: str) -> types.ModuleType:
    text = subprocess.run(["git", "-C", str(REPO), "show", f"{base}:{source}"], capture_output=True, text=True,
                          check=True).stdout
    for old, new in replacements.items():
        text = text.replace(old, new)
    module = types.ModuleType(name)
    module.__dict__["__name__"] = name
    sys.modules[name] = module
    exec(compile(text, f"{base}:{source}", "exec"), module.__dict__)
    return module


def answers(count: int) -> list[tuple[Any, ...]]:
    """(p1, p2, c1, c2) Responses: noise in every answer, a price difference on one request in ten."""
    Response = new_compare.Response
    quads = []
    for i in range(count):
        four = []
        for side in ("p1", "p2", "c1", "c2"):
            price = 10 + (1 if side[0] == "c" and i % 10 == 0 else 0)
            body = json.dumps({"query": f"q{i}", "count": 2, "at": time.time(), "id": uuid.uuid4().hex,
                               "products": [{"id": "p-1", "price": price}, {"id": "p-2", "price": 20}]}).encode()
            headers = [("Content-Type", "application/json"), ("X-Request-Id", uuid.uuid4().hex),
                       ("Cache-Control", "no-store"), ("Date", "Tue, 01 Dec 2026 08:00:00 GMT")]
            four.append(Response(200, headers, body, len(body)))
        quads.append((*four, f"/api/products/search?q=q{i}&limit=2"))
    return quads


def engine(compare: Any, route_noise: Any, redactor: Redactor | None, quads: list[tuple[Any, ...]]) -> float:
    """Seconds per request for the engine the runner runs per request, plus the route's decisions."""
    rules = Rules()
    for quad in quads:  # the runner compares fresh Responses: drop cached header sets
        for response in quad[:4]:
            response._headers = None
    noise = route_noise()
    started = time.process_time()  # CPU of this process: other engineers' load on the box does not count
    for p1, p2, c1, c2, target in quads:
        cross = compare.compare(p1, c1, rules)
        visited: set[str] = set()
        own_p = compare.compare(p1, p2, rules, visited)
        own_c = compare.compare(c1, c2, rules, visited)
        if redactor is not None:
            if cross:
                cross = [redactor.diff(d) for d in cross]
            target = redactor.target(target)
        noise.observe(cross, own_p, own_c, visited, target)
    noise.verdicts()
    noise.field_report()
    return (time.process_time() - started) / len(quads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="5727f33", help="commit before issue #13's noise statistics")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    old_compare = old_module("old_parity_compare", args.base, "cli/parity/compare.py",
                             **{"from .corpus import": "from shopbot_cli.parity.corpus import",
                                "from .normalize import": "from shopbot_cli.parity.normalize import"})
    old_noise = old_module("old_parity_noise", args.base, "cli/parity/noise.py",
                           **{"from .compare import Diff": "from old_parity_compare import Diff"})
    quads = answers(args.requests)
    redactor = Redactor()
    engine(old_compare, old_noise.RouteNoise, None, quads)        # warm-up: imports, regex caches
    engine(new_compare, new_noise.RouteNoise, redactor, quads)
    result = alternate(args.rounds,
                       old=lambda: engine(old_compare, old_noise.RouteNoise, None, quads),
                       new=lambda: engine(new_compare, new_noise.RouteNoise, redactor, quads))
    ratio = result["new"] / result["old"]
    print(json.dumps({"requests": args.requests, "rounds": args.rounds, "base": args.base,
                      "old_us_per_request": round(result["old"] * 1e6, 1),
                      "new_us_per_request": round(result["new"] * 1e6, 1), "ratio": round(ratio, 3),
                      "goal": "<= 1.1x", "met": ratio <= 1.1}))


if __name__ == "__main__":
    main()
