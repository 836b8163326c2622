"""Little's law per minute, the p99 minute, and each limit against it."""

from __future__ import annotations

import pytest
from shopbot_cli.cost import capacity
from shopbot_cli.cost.capacity import Limits
from shopbot_cli.cost.model import duration_at
from shopbot_cli.cost.traffic import Hit, traffic_from_hits

T0 = 1_767_225_600.0


def minutes(loads: list[tuple[int, float]]) -> list[Hit]:
    """Minute i gets loads[i] = (requests, seconds each), spread over the minute."""
    return [Hit(T0 + i * 60 + j * 60 / count, seconds, 0, 0, "POST /api/chat")
            for i, (count, seconds) in enumerate(loads) for j in range(count)]


def peak_of(loads: list[tuple[int, float]]) -> capacity.Peak:
    traffic = traffic_from_hits(minutes(loads))
    # memory 1769 MB and a full ECS vCPU: Lambda takes as long as ECS did
    return capacity.peak(traffic, duration_at(traffic, 1769, 0.2, 1.0, None))


def test_littles_law_per_minute() -> None:
    peak = peak_of([(60, 5.0)])                      # 1 request/s x 5 s = 5 in flight
    assert peak.p99_concurrency == pytest.approx(5.0)
    assert peak.p99_requests_per_second == pytest.approx(1.0)


def test_the_p99_minute_ignores_one_spike_in_a_hundred_but_not_two() -> None:
    calm = [(1, 6.0)] * 99                           # 0.1 in flight
    one_spike = peak_of([*calm, (600, 6.0)])         # 60 in flight for one minute
    assert one_spike.p99_concurrency == pytest.approx(0.1)
    assert one_spike.max_concurrency == pytest.approx(60.0)
    two_spikes = peak_of([*calm[:98], (600, 6.0), (600, 6.0)])
    assert two_spikes.p99_concurrency == pytest.approx(60.0)


def test_quiet_minutes_count_as_zero() -> None:
    hits = [*minutes([(60, 1.0)]), Hit(T0 + 199 * 60, 1.0, 0, 0, "GET /health")]
    peak = capacity.peak(traffic_from_hits(hits), duration_at(traffic_from_hits(hits), 1769, 0.0, 1.0, None))
    assert peak.minutes == 200
    # rank 198 of 200 minutes is a quiet one (counting only the 2 busy minutes would make it 1.0)
    assert (peak.p99_concurrency, peak.max_concurrency) == (0.0, pytest.approx(1.0))


def test_reserved_concurrency_is_the_limit_when_set() -> None:
    peak = peak_of([(600, 6.0), (600, 6.0)])         # needs 60
    throttled = capacity.judge(peak, Limits(account_unreserved=1000, reserved=50))
    assert not throttled.passed
    assert "reserved concurrency is 50: the peak would be throttled" in throttled.detail()
    assert capacity.judge(peak, Limits(account_unreserved=1000)).passed
    assert not capacity.judge(peak, Limits(account_unreserved=10)).passed   # a new account's default


def test_an_unknown_lambda_limit_is_inconclusive_and_fails() -> None:
    verdict = capacity.judge(peak_of([(1, 1.0)]), Limits())
    assert not verdict.passed and "inconclusive" in verdict.detail()


def test_redis_needs_a_connection_per_environment_plus_those_already_open() -> None:
    peak = peak_of([(600, 6.0), (600, 6.0)])
    verdict = capacity.judge(peak, Limits(account_unreserved=1000, redis_maxclients=64, redis_other_clients=8))
    assert not verdict.passed
    assert ("Redis needs 68 connection(s) (60 execution environment(s) + 8 other(s)), maxclients is 64"
            in verdict.detail())


def test_api_gateway_rate_and_burst() -> None:
    peak = peak_of([(600, 0.1), (600, 0.1)])         # 10 req/s in the p99 minute
    limits = Limits(account_unreserved=1000, api_rate=5.0, api_burst=100)
    verdict = capacity.judge(peak, limits)
    assert not verdict.passed and "requests would get 429" in verdict.detail()
    assert capacity.judge(peak, Limits(account_unreserved=1000, api_rate=20.0, api_burst=100)).passed


def sixty_in_flight() -> capacity.Peak:
    return peak_of([(600, 6.0), (600, 6.0)])         # exactly 60 concurrent executions in both minutes


def test_a_limit_exactly_at_the_peak_holds_and_one_less_throttles() -> None:
    peak = sixty_in_flight()
    held = capacity.judge(peak, Limits(reserved=60))
    assert held.passed and held.checks[0]["needed"] == 60 and held.checks[0]["busiest_minute"] == 60
    assert held.detail() == ("p99 minute needs 60.0 concurrent executions (busiest 60.0), reserved concurrency "
                             "is 60")
    short = capacity.judge(peak, Limits(account_unreserved=59))
    assert not short.passed and short.detail() == (
        "p99 minute needs 60.0 concurrent executions (busiest 60.0), the account's unreserved concurrency is 59: "
        "the peak would be throttled")


def test_when_every_limit_holds_the_detail_names_each_of_them() -> None:
    verdict = capacity.judge(sixty_in_flight(), Limits(reserved=100, redis_maxclients=60))
    assert verdict.passed and verdict.detail() == (
        "p99 minute needs 60.0 concurrent executions (busiest 60.0), reserved concurrency is 100; "
        "Redis needs 60 connection(s) (60 execution environment(s)), maxclients is 60")


def test_redis_one_connection_short_is_refused() -> None:
    verdict = capacity.judge(sixty_in_flight(), Limits(reserved=100, redis_maxclients=60, redis_other_clients=1))
    assert not verdict.passed and verdict.detail() == (
        "Redis needs 61 connection(s) (60 execution environment(s) + 1 other(s)), maxclients is 60: new environments "
        "would be refused")


def test_api_gateway_checks_a_stage_that_sets_only_one_limit_against_the_account_default_for_the_other() -> None:
    peak = peak_of([(600, 0.1), (600, 0.1)])         # 10 req/s in the p99 minute
    only_rate = capacity.judge(peak, Limits(reserved=100, api_rate=10.0)).checks[1]
    assert only_rate["passed"] and only_rate["limit"] == [10.0, 5000]   # exactly the rate holds
    only_burst = capacity.judge(peak, Limits(reserved=100, api_burst=peak.max_requests_in_a_second)).checks[1]
    assert only_burst["passed"] and only_burst["limit"] == [10_000.0, peak.max_requests_in_a_second]
    over = capacity.judge(peak, Limits(reserved=100, api_burst=peak.max_requests_in_a_second - 1))
    assert not over.passed and over.detail().endswith(": requests would get 429")
    assert [c["name"] for c in capacity.judge(peak, Limits(reserved=100)).checks] == ["lambda concurrency"]


def test_the_busiest_second_scales_with_the_growth_factor() -> None:
    traffic = traffic_from_hits([Hit(T0 + i / 10, 0.1, 0, 0, "GET /health") for i in range(5)])  # 5 in one second
    duration = duration_at(traffic, 1769, 0.0, 1.0, None)
    assert capacity.peak(traffic, duration).max_requests_in_a_second == 5
    assert capacity.peak(traffic, duration, factor=3).max_requests_in_a_second == 15


def test_the_p99_minute_rate_ignores_one_busy_minute_in_a_hundred_but_not_two() -> None:
    calm = [(60, 0.1)] * 98                          # 1 req/s
    assert peak_of([*calm, (60, 0.1), (600, 0.1)]).p99_requests_per_second == pytest.approx(1.0)
    assert peak_of([*calm, (600, 0.1), (600, 0.1)]).p99_requests_per_second == pytest.approx(10.0)


def test_no_traffic_needs_nothing() -> None:
    assert capacity.nearest_rank([], 99) == 0.0
    peak = capacity.peak(traffic_from_hits([]), duration_at(traffic_from_hits([]), 1769, 0.0, 1.0, None))
    assert (peak.p99_concurrency, peak.max_concurrency, peak.max_requests_in_a_second) == (0.0, 0.0, 0)
