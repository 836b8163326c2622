"""The watch's decisions, pure: which window to read, and what one window's numbers mean.

No AWS here (watch.py reads CloudWatch and calls these). A watch fails closed, as Flagger
and Argo Rollouts do: a window CloudWatch has not finished is never read (`lag`), a window
with fewer than `min_requests` requests or a missing number is *inconclusive* (never
"0 errors"), `consecutive_breaches` breaches in a row roll back, and a watch whose windows
are mostly inconclusive ends *inconclusive*, never "passed".

Imported by watch.py and canary_steps.py; imports only the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

PASS, BREACH, INCONCLUSIVE = "pass", "breach", "inconclusive"
ROLLBACK, PASSED, CONTINUE = "rollback", "passed", "continue"


@dataclass(frozen=True)
class Thresholds:
    """Limits of one watch (settings `watch_*`, overridden by flags)."""

    max_error_rate: float = 0.01          # Lambda Errors / Invocations
    max_5xx_excess: float = 0.01          # API Gateway 5xx rate minus the ALB's
    p99_ratio: float = 1.5                # new p99 may be the ALB's times this ...
    p99_slack_ms: float = 100.0           # ... plus this (cold starts, the API Gateway hop)
    max_throttles: float = 0.0            # Lambda throttles per window
    min_requests: float = 20.0            # fewer requests in a window: inconclusive
    consecutive_breaches: int = 1         # breaches in a row before rolling back
    max_inconclusive_share: float = 0.5   # a watch with more inconclusive windows is inconclusive
    lag_seconds: float = 180.0            # CloudWatch finishes 1-minute metrics this late
    period_seconds: int = 60              # one window
    min_staging_requests: float = 1.0     # a canary step's staging distribution must see this many

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WindowVerdict:
    """One window: pass, breach or inconclusive, the reasons, and the numbers it saw."""

    state: str
    reasons: list[str]
    values: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def window_bounds(start: datetime, index: int, period: int) -> tuple[datetime, datetime]:
    """Window `index` of a watch begun at `start`: whole periods, the first one after `start`.

    Aligned to the period (CloudWatch's 1-minute buckets) so no window mixes traffic from
    before the change with traffic after it.
    """
    stamp = start.timestamp()
    first = math.ceil(stamp / period) * period
    begin = datetime.fromtimestamp(first + index * period, tz=start.tzinfo)
    return begin, begin + timedelta(seconds=period)


def readable_at(window_end: datetime, lag_seconds: float) -> datetime:
    """When CloudWatch has finished a window: its end plus the lag."""
    return window_end + timedelta(seconds=lag_seconds)


def window_count(duration_seconds: float, period: int) -> int:
    """How many windows a watch of this duration reads (at least one)."""
    return max(1, math.ceil(duration_seconds / period))


def _rate(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole


def judge_window(values: Mapping[str, float | None], limits: Thresholds,
                 baseline: Mapping[str, float | None] | None = None) -> WindowVerdict:
    """Pass, breach or inconclusive for one finished window.

    `values` are the Lambda/API Gateway numbers and the ALB's in the same window; when the
    ALB served fewer than `min_requests` in it (after a full cutover it serves none), the
    ALB numbers come from `baseline` (the ALB before the change). Any breach wins; else any
    check that could not run makes the window inconclusive; else it passes.
    """
    seen = dict(values)
    breaches: list[str] = []
    unknown: list[str] = []
    requests = seen.get("api_count")
    if requests is None or requests < limits.min_requests:
        unknown.append(f"API Gateway saw {_count(requests)} request(s), fewer than {limits.min_requests:g}")
    throttles = seen.get("throttles")
    if throttles is None:
        unknown.append("no Lambda Throttles datapoint")
    elif throttles > limits.max_throttles:
        breaches.append(f"Lambda throttled {throttles:.0f} invocation(s) (limit {limits.max_throttles:g})")
    error_rate = _rate(seen.get("errors"), seen.get("invocations"))
    if error_rate is None:
        unknown.append("no Lambda Errors/Invocations to compute an error rate")
    elif error_rate > limits.max_error_rate:
        breaches.append(f"Lambda error rate {error_rate:.2%} > {limits.max_error_rate:.2%}")
    alb = _alb_side(seen, limits, baseline)
    api_rate = _rate(seen.get("api_5xx"), requests)
    alb_rate = _rate(alb.get("alb_5xx"), alb.get("alb_count"))
    if api_rate is None or alb_rate is None:
        unknown.append("no 5xx rate for both API Gateway and the ALB")
    elif api_rate > alb_rate + limits.max_5xx_excess:
        breaches.append(f"API Gateway 5xx rate {api_rate:.2%} vs ALB {alb_rate:.2%} "
                        f"(limit +{limits.max_5xx_excess:.2%})")
    api_p99, alb_p99 = seen.get("api_p99_ms"), alb.get("alb_p99_s")
    if api_p99 is None or alb_p99 is None:
        unknown.append("no p99 latency for both API Gateway and the ALB")
    else:
        allowed = alb_p99 * 1000 * limits.p99_ratio + limits.p99_slack_ms
        if api_p99 > allowed:
            breaches.append(f"p99 latency {api_p99:.0f} ms vs ALB {alb_p99 * 1000:.0f} ms "
                            f"(limit {allowed:.0f} ms)")
    if "staging_requests" in seen:
        staging = seen["staging_requests"]
        if staging is None or staging < limits.min_staging_requests:
            unknown.append(f"the staging distribution saw {_count(staging)} request(s): CloudFront may have "
                           "sent everyone to the primary")
    if breaches:
        return WindowVerdict(BREACH, breaches, seen)
    if unknown:
        return WindowVerdict(INCONCLUSIVE, unknown, seen)
    return WindowVerdict(PASS, [], seen)


def _alb_side(seen: Mapping[str, float | None], limits: Thresholds,
              baseline: Mapping[str, float | None] | None) -> Mapping[str, float | None]:
    """The ALB's numbers in this window, or the baseline's when the window has too few."""
    count = seen.get("alb_count")
    if count is not None and count >= limits.min_requests:
        return seen
    return baseline or {}


def judge_alarms(states: Mapping[str, str | None]) -> WindowVerdict:
    """Named CloudWatch alarms: one in ALARM breaches; missing or INSUFFICIENT_DATA is inconclusive."""
    firing = sorted(name for name, state in states.items() if state == "ALARM")
    if firing:
        return WindowVerdict(BREACH, [f"alarm {name} is in ALARM" for name in firing])
    unknown = sorted(name for name, state in states.items() if state != "OK")
    if unknown:
        return WindowVerdict(INCONCLUSIVE, [f"alarm {name} is {states[name] or 'missing'}" for name in unknown])
    return WindowVerdict(PASS, [])


def combine(first: WindowVerdict, second: WindowVerdict) -> WindowVerdict:
    """Two verdicts on the same window: breach beats inconclusive beats pass."""
    order = {PASS: 0, INCONCLUSIVE: 1, BREACH: 2}
    state = max(first.state, second.state, key=order.__getitem__)
    reasons = [r for v in (first, second) if v.state == state for r in v.reasons]
    return WindowVerdict(state, reasons, {**first.values, **second.values})


def next_step(verdicts: list[WindowVerdict], total: int, limits: Thresholds) -> str:
    """After each window: roll back, keep watching, or (after the last) passed/inconclusive."""
    run = 0
    for verdict in verdicts:
        if verdict.state == BREACH:
            run += 1
        elif verdict.state == PASS:
            run = 0
        if run >= limits.consecutive_breaches:
            return ROLLBACK
    if len(verdicts) < total:
        return CONTINUE
    return conclude(verdicts, limits)


def conclude(verdicts: list[WindowVerdict], limits: Thresholds) -> str:
    """A finished watch without a rollback: passed, unless mostly inconclusive (or none passed)."""
    passed = sum(1 for v in verdicts if v.state == PASS)
    inconclusive = sum(1 for v in verdicts if v.state == INCONCLUSIVE)
    if passed == 0 or inconclusive > limits.max_inconclusive_share * len(verdicts):
        return INCONCLUSIVE
    return PASSED


def _count(value: float | None) -> str:
    return "no" if value is None else f"{value:.0f}"
