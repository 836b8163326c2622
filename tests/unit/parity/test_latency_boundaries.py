"""The latency verdict at its edges: what counts as a cold start, which answer is the p95, and
exactly where the budget breaks (ratio, absolute gap, samples), as the report shows them."""

from __future__ import annotations

import pytest
from shopbot_cli.parity.latency import Budget, Samples, histogram


def samples(*values: float, window: int = 0) -> Samples:
    result = Samples(cold_window=window)
    for value in values:
        result.add(value)
    return result


def cold_starts(*values: float, window: int = 1) -> int:
    summary = samples(*values, window=window).summary()
    assert summary is not None
    return int(summary.get("cold_starts", 0))


def test_a_cold_start_is_four_times_the_median_and_at_least_100_ms_slower() -> None:
    assert cold_starts(200, 50, 50, 50) == 0      # exactly 4x the median
    assert cold_starts(200.5, 50, 50, 50) == 1
    assert cold_starts(110, 10, 10, 10) == 0      # 11x the median but only +100 ms
    assert cold_starts(110.5, 10, 10, 10) == 1


def test_the_median_is_the_middle_answer_not_a_lower_one() -> None:
    # sorted 10, 60, 70, 250: the median is 70 (limit 280), so 250 is an ordinary slow answer
    assert cold_starts(250, 10, 60, 70) == 0
    assert cold_starts(290, 10, 60, 70) == 1


def test_cold_starts_need_three_answers_and_a_window() -> None:
    assert cold_starts(500, 10, 10) == 1          # three answers are enough to tell
    assert cold_starts(500, 10) == 0
    unwindowed = Samples()                        # by default no answer is taken for a cold start
    for value in (900, 10, 10, 10):
        unwindowed.add(value)
    assert unwindowed.summary() == {"p50": 10, "p95": 900, "p99": 900, "max": 900, "count": 4}


def test_a_cold_start_is_shown_apart_rounded_like_every_latency() -> None:
    summary = samples(900.12345, 10.00049, 10, 10, window=1).summary()
    assert summary == {"p50": 10.0, "p95": 10.0, "p99": 10.0, "max": 10.0, "count": 3,
                       "cold_starts": 1, "cold_max": 900.123}


def test_nearest_rank_percentiles_of_twenty_answers_and_of_one() -> None:
    assert samples(*range(1, 21)).summary() == {"p50": 10, "p95": 19, "p99": 20, "max": 20, "count": 20}
    assert samples(7.25).summary() == {"p50": 7.25, "p95": 7.25, "p99": 7.25, "max": 7.25, "count": 1}
    assert samples(1.23456).summary() == {"p50": 1.235, "p95": 1.235, "p99": 1.235, "max": 1.235, "count": 1}


def twenty(value: float) -> dict[str, float]:
    summary = samples(*[value] * 20).summary()
    assert summary is not None
    return summary


def test_the_default_budget_breaks_only_past_both_1_5x_and_25_ms() -> None:
    budget = Budget()
    assert budget.assess(twenty(50), twenty(75)) == (1.5, None, None)          # exactly 1.5x and +25 ms
    ratio, breach, note = budget.assess(twenty(50), twenty(75.2))
    assert (ratio, note) == (1.504, None)
    assert breach == ("latency budget breached: candidate p95 75.2 ms is 1.50x primary p95 50.0 ms "
                      "(budget 1.5x, +25.2 ms > 25 ms)")
    assert budget.assess(twenty(100), twenty(125.5))[1] is None                # +25.5 ms but only 1.255x
    assert budget.assess(twenty(10), twenty(35))[1] is None                    # 3.5x but only +25 ms


def test_the_ratio_is_shown_to_three_places() -> None:
    assert Budget().assess(twenty(30), twenty(40))[0] == 1.333


def test_a_sub_millisecond_primary_still_gives_a_ratio_and_a_zero_one_does_not() -> None:
    ratio, breach, _ = Budget().assess(twenty(0.5), twenty(40))
    assert ratio == 80 and breach is not None and "is 80.00x primary p95 0.5 ms" in breach
    ratio, breach, _ = Budget().assess(twenty(0.0), twenty(40))
    assert ratio is None and breach == ("latency budget breached: candidate p95 40.0 ms against primary p95 0.0 ms "
                                        "(budget 1.5x, +40.0 ms > 25 ms)")


def test_twenty_answers_on_each_side_are_needed_to_decide() -> None:
    nineteen = samples(*[200.0] * 19).summary()
    ratio, breach, note = Budget().assess(twenty(10), nineteen)
    assert ratio == 20 and breach is None and note is not None and note.startswith(
        "latency budget not decided: 19 sample(s) per side, 20 needed")
    _, breach, note = Budget().assess(nineteen, samples(*[400.0] * 40).summary())
    assert breach is None and note is not None and "19 sample(s) per side" in note  # the side with fewer decides


@pytest.mark.parametrize("missing", ["primary", "candidate"])
def test_a_side_with_no_answers_gives_no_latency_verdict(missing: str) -> None:
    present = twenty(10)
    sides = (None, present) if missing == "primary" else (present, None)
    assert Budget().assess(*sides) == (None, None, None)
    assert Budget().check(*sides) == (None, None)


def test_histogram_bins_are_log_spaced_and_shared() -> None:
    shape = histogram(samples(1.0, 3.0, 5.0, 12.0), samples(16.0), bins=4)
    assert shape == {"edges": [1.0, 2.0, 4.0, 8.0, 16.0], "primary": [1, 1, 1, 1], "candidate": [0, 0, 0, 1]}
    assert len(histogram(samples(1.0), samples(2.0))["edges"]) == 25  # type: ignore[arg-type]  # 24 bins


def test_histogram_of_equal_zero_or_no_latencies() -> None:
    assert histogram(samples(5.0, 5.0), Samples(), bins=2) == {
        "edges": [5.0, 6.124, 7.5], "primary": [2, 0], "candidate": [0, 0]}
    assert histogram(samples(0.0, 0.001), samples(0.02), bins=1) == {
        "edges": [0.01, 0.02], "primary": [2], "candidate": [1]}
    assert histogram(Samples(), Samples()) == {"edges": [], "primary": [], "candidate": []}
