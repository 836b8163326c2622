"""A per-instance, fixed-window limit on chat requests per client (off by default).

Per instance on purpose: it stops one noisy client hammering one task or one Lambda
environment; a fleet-wide limit belongs at the edge (API Gateway throttling, WAF).
"""

from __future__ import annotations

import threading
import time

from .errors import TooManyRequests


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        if self.per_minute <= 0:
            return
        window = int(time.time() // 60)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            seen_window, count = self._counts.get(client, (window, 0))
            count = count + 1 if seen_window == window else 1
            self._counts[client] = (window, count)
        if count > self.per_minute:
            raise TooManyRequests(f"more than {self.per_minute} chat requests a minute: slow down")
