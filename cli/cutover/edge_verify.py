"""Prove the switch at the edge: CloudFront answers from the new target.

Every shopbot response carries `X-Shopbot-Target: ecs|lambda`. After a deploy, edge
locations pick up the new config at different moments, so we keep requesting `edge_url`
and look at the last `window` answers: once the share from the new target reaches the
threshold the switch is verified. The wait is bounded by `max_seconds`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import requests

TARGET_HEADER = "X-Shopbot-Target"


@dataclass(frozen=True)
class EdgeReport:
    url: str
    target: str
    requests: int
    share: float          # share of the last window answered by `target`
    threshold: float
    verified: bool
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        state = "verified" if self.verified else "NOT verified"
        return (f"edge {self.url}: {self.share:.0%} of the last answers came from {self.target} "
                f"(threshold {self.threshold:.0%}, {self.requests} requests, {self.seconds:.1f} s): {state}")


def verify_edge(
    url: str,
    target: str,
    threshold: float,
    *,
    window: int = 20,
    max_seconds: float = 300.0,
    pause: float = 0.2,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> EdgeReport:
    """Request `url` until `threshold` of the last `window` answers carry `target` (or time runs out)."""
    http = session or requests.Session()
    recent: deque[bool] = deque(maxlen=window)
    started = clock()
    sent = 0
    while True:
        recent.append(_served_by(http, url) == target)
        sent += 1
        share = sum(recent) / len(recent)
        elapsed = clock() - started
        if len(recent) == window and share >= threshold:
            return EdgeReport(url, target, sent, share, threshold, True, elapsed)
        if elapsed >= max_seconds:
            return EdgeReport(url, target, sent, share, threshold, False, elapsed)
        if len(recent) == window:
            sleep(pause)


def _served_by(http: requests.Session, url: str) -> str | None:
    try:
        response = http.get(url, timeout=5, headers={"Cache-Control": "no-cache"})
    except requests.RequestException:
        return None
    return response.headers.get(TARGET_HEADER)
