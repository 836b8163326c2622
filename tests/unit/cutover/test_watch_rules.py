"""The watch's decisions at their boundaries: pass, breach, inconclusive (pure, no sockets).

Each limit is tested just at it (passes) and just past it (breaches), because a watch that
is off by one lets a bad Lambda through or rolls back a good one.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest
from shopbot_cli.cutover import watch_rules as rules
from shopbot_cli.cutover.watch_rules import BREACH, INCONCLUSIVE, PASS, Thresholds, WindowVerdict
from shopbot_cli.settings.environments import Settings

LIMITS = Thresholds()
CALM: dict[str, float | None] = {
    "api_5xx": 0.0, "api_count": 1000.0, "api_p99_ms": 300.0, "errors": 0.0, "throttles": 0.0,
    "invocations": 1000.0, "alb_5xx": 0.0, "alb_count": 1000.0, "alb_p99_s": 0.25}


def judge(**changes: float | None) -> WindowVerdict:
    return rules.judge_window({**CALM, **changes}, LIMITS)


def test_a_calm_window_passes_and_keeps_its_numbers() -> None:
    verdict = judge()
    assert verdict.state == PASS and verdict.reasons == [] and verdict.values == CALM


@pytest.mark.parametrize(("at_limit", "past_limit", "says"), [
    ({"throttles": 0.0}, {"throttles": 1.0}, "Lambda throttled 1 invocation(s) (limit 0)"),
    ({"errors": 10.0}, {"errors": 11.0}, "Lambda error rate 1.10% > 1.00%"),
    ({"api_5xx": 10.0}, {"api_5xx": 11.0}, "API Gateway 5xx rate 1.10% vs ALB 0.00% (limit +1.00%)"),
    ({"api_p99_ms": 475.0}, {"api_p99_ms": 475.5}, "p99 latency 476 ms vs ALB 250 ms (limit 475 ms)"),
])
def test_each_limit_passes_at_it_and_breaches_just_past_it(
    at_limit: dict[str, float], past_limit: dict[str, float], says: str
) -> None:
    assert judge(**at_limit).state == PASS
    breached = judge(**past_limit)
    assert breached.state == BREACH and breached.reasons == [says]


def test_the_5xx_excess_is_measured_over_the_albs_own_rate() -> None:
    assert judge(api_5xx=30.0, alb_5xx=20.0).state == PASS            # 3.0% vs 2.0%: +1.0 point
    assert judge(api_5xx=31.0, alb_5xx=20.0).state == BREACH          # 3.1% vs 2.0%
    assert judge(api_5xx=30.0, alb_5xx=20.0, alb_count=2000.0).state == BREACH  # vs 1.0%


def test_limits_come_from_the_thresholds() -> None:
    loose = Thresholds(max_throttles=2, max_error_rate=0.05, p99_ratio=2.0, p99_slack_ms=0.0)
    assert rules.judge_window({**CALM, "throttles": 2.0, "errors": 50.0, "api_p99_ms": 500.0}, loose).state == PASS
    assert rules.judge_window({**CALM, "throttles": 3.0}, loose).state == BREACH
    assert rules.judge_window({**CALM, "api_p99_ms": 500.5}, loose).state == BREACH


@pytest.mark.parametrize(("missing", "says"), [
    ({"api_count": None}, "API Gateway saw no request(s), fewer than 20"),
    ({"api_count": 19.0}, "API Gateway saw 19 request(s), fewer than 20"),
    ({"throttles": None}, "no Lambda Throttles datapoint"),
    ({"invocations": None}, "no Lambda Errors/Invocations to compute an error rate"),
    ({"errors": None}, "no Lambda Errors/Invocations to compute an error rate"),
    ({"invocations": 0.0}, "no Lambda Errors/Invocations to compute an error rate"),
    ({"api_p99_ms": None}, "no p99 latency for both API Gateway and the ALB"),
    ({"alb_p99_s": None}, "no p99 latency for both API Gateway and the ALB"),
    ({"api_5xx": None}, "no 5xx rate for both API Gateway and the ALB"),
])
def test_missing_numbers_are_inconclusive_never_zero(missing: dict[str, float | None], says: str) -> None:
    verdict = judge(**missing)
    assert verdict.state == INCONCLUSIVE and says in verdict.reasons


def test_exactly_the_minimum_request_count_is_enough() -> None:
    assert judge(api_count=20.0, invocations=20.0, errors=0.0).state == PASS


def test_an_empty_window_is_inconclusive_not_a_pass() -> None:
    verdict = rules.judge_window(dict.fromkeys(CALM), LIMITS)
    assert verdict.state == INCONCLUSIVE and len(verdict.reasons) == 5


def test_a_breach_wins_over_missing_numbers() -> None:
    verdict = judge(throttles=3.0, api_p99_ms=None)
    assert verdict.state == BREACH and verdict.reasons == ["Lambda throttled 3 invocation(s) (limit 0)"]


def test_after_a_full_cutover_the_alb_baseline_stands_in() -> None:
    quiet_alb = {"alb_5xx": None, "alb_count": 3.0, "alb_p99_s": 9.0}
    baseline = {"alb_5xx": 0.0, "alb_count": 30000.0, "alb_p99_s": 0.25}
    assert rules.judge_window({**CALM, **quiet_alb}, LIMITS).state == INCONCLUSIVE
    assert rules.judge_window({**CALM, **quiet_alb}, LIMITS, baseline).state == PASS
    slow = rules.judge_window({**CALM, **quiet_alb, "api_p99_ms": 476.0}, LIMITS, baseline)
    assert slow.state == BREACH and "vs ALB 250 ms" in slow.reasons[0]
    at_minimum = rules.judge_window({**CALM, "alb_count": 20.0, "alb_p99_s": 0.1}, LIMITS, baseline)
    assert at_minimum.state == BREACH, "20 ALB requests are enough: this window's own p99 (100 ms) counts"


def test_a_canary_step_needs_traffic_on_the_staging_distribution() -> None:
    assert judge(staging_requests=1.0).state == PASS
    for seen in (None, 0.0):
        verdict = judge(staging_requests=seen)
        assert verdict.state == INCONCLUSIVE
        assert "CloudFront may have sent everyone to the primary" in verdict.reasons[0]


def test_named_alarms() -> None:
    assert rules.judge_alarms({"a": "OK", "b": "OK"}).state == PASS
    firing = rules.judge_alarms({"a": "OK", "b": "ALARM", "c": None})
    assert firing.state == BREACH and firing.reasons == ["alarm b is in ALARM"]
    unknown = rules.judge_alarms({"a": "INSUFFICIENT_DATA", "b": None, "c": "OK"})
    assert unknown.state == INCONCLUSIVE
    assert unknown.reasons == ["alarm a is INSUFFICIENT_DATA", "alarm b is missing"]


def test_combine_takes_the_worse_verdict() -> None:
    ok, unsure, bad = (WindowVerdict(PASS, [], {"x": 1.0}), WindowVerdict(INCONCLUSIVE, ["thin"]),
                       WindowVerdict(BREACH, ["alarm"]))
    assert rules.combine(ok, unsure) == WindowVerdict(INCONCLUSIVE, ["thin"], {"x": 1.0})
    assert rules.combine(bad, unsure).reasons == ["alarm"]
    assert rules.combine(unsure, bad).state == BREACH
    assert rules.combine(ok, ok).state == PASS


def test_windows_are_whole_finished_minutes_after_the_change() -> None:
    started = datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)
    assert rules.window_bounds(started, 0, 60) == (datetime(2026, 12, 1, 8, 1, tzinfo=UTC),
                                                   datetime(2026, 12, 1, 8, 2, tzinfo=UTC))
    assert rules.window_bounds(started, 2, 60)[0] == datetime(2026, 12, 1, 8, 3, tzinfo=UTC)
    on_the_minute = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert rules.window_bounds(on_the_minute, 0, 60)[0] == on_the_minute
    assert rules.readable_at(datetime(2026, 12, 1, 8, 2, tzinfo=UTC), 180) == datetime(2026, 12, 1, 8, 5,
                                                                                        tzinfo=UTC)
    assert rules.window_count(600, 60) == 10 and rules.window_count(61, 60) == 2
    assert rules.window_count(60, 60) == 1 and rules.window_count(1, 60) == 1


P, B, U = (WindowVerdict(PASS, []), WindowVerdict(BREACH, ["x"]), WindowVerdict(INCONCLUSIVE, ["y"]))


@pytest.mark.parametrize(("seen", "total", "needed", "decision"), [
    ([P], 3, 1, rules.CONTINUE),
    ([P, B], 3, 1, rules.ROLLBACK),
    ([B], 1, 1, rules.ROLLBACK),
    ([B], 3, 2, rules.CONTINUE),
    ([B, B], 3, 2, rules.ROLLBACK),
    ([B, P, B], 4, 2, rules.CONTINUE),       # a pass resets the run
    ([B, U, B], 4, 2, rules.ROLLBACK),       # an inconclusive window does not
    ([P, P, P], 3, 1, rules.PASSED),
    ([P, U, P], 3, 1, rules.PASSED),         # one of three inconclusive: not mostly
    ([P, U, U], 3, 1, rules.INCONCLUSIVE),   # two of three: mostly
    ([P, U], 2, 1, rules.PASSED),            # exactly half is not "mostly"
    ([U, U], 2, 1, rules.INCONCLUSIVE),
    ([B, P], 2, 2, rules.PASSED),
])
def test_next_step(seen: list[WindowVerdict], total: int, needed: int, decision: str) -> None:
    assert rules.next_step(seen, total, Thresholds(consecutive_breaches=needed)) == decision


def test_a_watch_without_one_passing_window_never_passes() -> None:
    assert rules.conclude([U], Thresholds(max_inconclusive_share=1.0)) == rules.INCONCLUSIVE
    assert rules.conclude([P, U], Thresholds(max_inconclusive_share=0.4)) == rules.INCONCLUSIVE
    assert rules.conclude([B, P], Thresholds()) == rules.PASSED


def test_the_default_limits_are_the_documented_ones_and_cannot_change_mid_watch() -> None:
    defaults = Settings()
    limits = Thresholds()
    assert (limits.max_error_rate, limits.max_5xx_excess, limits.p99_ratio, limits.p99_slack_ms) == (
        defaults.watch_max_error_rate, defaults.watch_max_5xx_excess, defaults.watch_p99_ratio,
        defaults.watch_p99_slack_ms) == (0.01, 0.01, 1.5, 100.0)
    assert (limits.max_throttles, limits.min_requests, limits.consecutive_breaches) == (
        defaults.watch_max_throttles, defaults.watch_min_requests, defaults.watch_consecutive_breaches) == (0, 20, 1)
    assert (limits.lag_seconds, limits.max_inconclusive_share) == (
        defaults.watch_lag_seconds, defaults.watch_max_inconclusive_share) == (180, 0.5)
    assert (limits.period_seconds, limits.min_staging_requests) == (60, 1.0)
    assert limits.as_dict()["lag_seconds"] == 180
    with pytest.raises(FrozenInstanceError):
        limits.min_requests = 0  # type: ignore[misc]


def test_a_watch_reads_at_least_one_window() -> None:
    assert rules.window_count(0, 60) == 1


def test_a_slow_albs_p99_is_shown_in_milliseconds() -> None:
    verdict = judge(alb_p99_s=2.0, api_p99_ms=3200.0)
    assert verdict.reasons == ["p99 latency 3200 ms vs ALB 2000 ms (limit 3100 ms)"]
