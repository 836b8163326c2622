"""Will Lambda hold the peak? Pure arithmetic on the measured traffic and the limits read.

Concurrency per minute by Little's law: L = arrival rate x mean time in the system, i.e. the
minute's summed Lambda duration / 60 s. Minutes without a request count as 0, so over a week
the p99 minute is the 101st busiest of 10,080. The gate judges the p99 minute and reports the
busiest one too (Little's law gives a minute's average; bursts inside it go higher).

Limits: the function's reserved concurrency when set, else the account's unreserved pool
(shared with every other function); Redis `maxclients` against one connection per execution
environment; API Gateway's stage throttling (steady rate against the p99 minute's request
rate, burst against the busiest second).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import Duration, duration_ratio
from .traffic import Traffic

# API Gateway's account-level default when a stage sets no throttling (per region).
API_DEFAULT_RATE = 10_000.0
API_DEFAULT_BURST = 5_000


@dataclass(frozen=True)
class Peak:
    p99_concurrency: float
    max_concurrency: float
    p99_requests_per_second: float       # the p99 minute's rate
    max_requests_in_a_second: int
    minutes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Limits:
    """What was read (None: not known, and the check says so)."""

    account_unreserved: int | None = None
    account_limit: int | None = None
    reserved: int | None = None              # the function's reserved concurrency, if any
    redis_maxclients: int | None = None
    redis_other_clients: int = 0             # connections others hold (the ECS tasks during the move)
    api_rate: float | None = None
    api_burst: int | None = None
    api_source: str = ""


@dataclass
class Verdict:
    passed: bool
    checks: list[dict[str, Any]] = field(default_factory=list)

    def detail(self) -> str:
        failed = [c for c in self.checks if not c["passed"]]
        return "; ".join(c["detail"] for c in (failed or self.checks))

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": self.checks}


def nearest_rank(values: list[float], percentile: float) -> float:
    """The nearest-rank percentile (no interpolation: a minute that happened)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


def peak(traffic: Traffic, duration: Duration, factor: float = 1.0) -> Peak:
    """Lambda concurrency and request rate at the p99 and busiest minute, for traffic x factor."""
    ratio = duration_ratio(traffic, duration)
    busy = [seconds * ratio * factor / 60 for _, seconds in traffic.per_minute.values()]
    rates = [count * factor / 60 for count, _ in traffic.per_minute.values()]
    idle = [0.0] * max(0, traffic.minutes - len(busy))
    top_second = max(traffic.per_second.values(), default=0)
    return Peak(nearest_rank(busy + idle, 99), max(busy, default=0.0), nearest_rank(rates + idle, 99),
                math.ceil(top_second * factor), traffic.minutes)


def judge(peak_: Peak, limits: Limits) -> Verdict:
    """Each limit against the peak; an unknown Lambda limit fails (it is the one that throttles)."""
    checks: list[dict[str, Any]] = []
    needed = math.ceil(peak_.p99_concurrency - 1e-9)
    busiest = math.ceil(peak_.max_concurrency - 1e-9)
    limit: int | None = limits.reserved
    what = "reserved concurrency"
    if limit is None:
        limit, what = limits.account_unreserved, "the account's unreserved concurrency"
    if limit is None:
        checks.append({"name": "lambda concurrency", "passed": False, "needed": needed, "limit": None,
                       "detail": "inconclusive: the Lambda concurrency limit could not be read"})
    else:
        ok = needed <= limit
        checks.append({"name": "lambda concurrency", "passed": ok, "needed": needed, "busiest_minute": busiest,
                       "limit": limit, "detail": (
                           f"p99 minute needs {peak_.p99_concurrency:.1f} concurrent executions "
                           f"(busiest {peak_.max_concurrency:.1f}), {what} is {limit}"
                           + ("" if ok else ": the peak would be throttled"))})
    if limits.redis_maxclients is not None:
        wanted = needed + limits.redis_other_clients
        ok = wanted <= limits.redis_maxclients
        checks.append({"name": "redis maxclients", "passed": ok, "needed": wanted,
                       "limit": limits.redis_maxclients, "detail": (
                           f"Redis needs {wanted} connection(s) ({needed} execution environment(s)"
                           + (f" + {limits.redis_other_clients} other(s)" if limits.redis_other_clients else "")
                           + f"), maxclients is {limits.redis_maxclients}"
                           + ("" if ok else ": new environments would be refused"))})
    if limits.api_rate is not None or limits.api_burst is not None:
        rate = API_DEFAULT_RATE if limits.api_rate is None else limits.api_rate
        burst = API_DEFAULT_BURST if limits.api_burst is None else limits.api_burst
        ok = peak_.p99_requests_per_second <= rate and peak_.max_requests_in_a_second <= burst
        checks.append({"name": "api gateway throttling", "passed": ok,
                       "needed": [peak_.p99_requests_per_second, peak_.max_requests_in_a_second],
                       "limit": [rate, burst], "detail": (
                           f"API Gateway{limits.api_source}: p99 minute {peak_.p99_requests_per_second:.2f} req/s "
                           f"against rate {rate:g}, busiest second {peak_.max_requests_in_a_second} against "
                           f"burst {burst}" + ("" if ok else ": requests would get 429"))})
    return Verdict(all(check["passed"] for check in checks), checks)
