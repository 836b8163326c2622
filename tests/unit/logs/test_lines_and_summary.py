"""Pure parts of `shopbot logs`: windows, matches, JSON lines, REPORT parsing, percentiles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopbot_cli.errors import CliError
from shopbot_cli.logs.lines import LogLine, from_event, match_for, merged, since_to_ms
from shopbot_cli.logs.summary import Report, parse_report, percentile, summarize

NOW = 1_800_000_000_000


@pytest.mark.parametrize(("text", "ago_ms"), [("30s", 30_000), ("10m", 600_000), ("2h", 7_200_000),
                                              ("1.5d", 129_600_000), (" 1w ", 604_800_000)])
def test_durations(text: str, ago_ms: int) -> None:
    assert since_to_ms(text, NOW) == NOW - ago_ms


def test_iso_times_and_the_future() -> None:
    from datetime import UTC, datetime

    expected = int(datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp() * 1000)
    assert since_to_ms("2027-01-15T08:00:00Z", NOW) == expected
    assert since_to_ms("2027-01-15T08:00:00", NOW) == expected  # no zone: UTC
    with pytest.raises(CliError, match="in the future"):
        since_to_ms("2099-01-01T00:00:00Z", NOW)
    with pytest.raises(CliError, match="at most 366d"):
        since_to_ms("400d", NOW)


@given(st.text(max_size=60))
def test_any_since_is_a_time_or_one_clear_error(text: str) -> None:
    try:
        start = since_to_ms(text, NOW)
    except CliError as error:
        assert str(error).startswith("--since")
    else:
        assert NOW - 366 * 86_400_000 <= start <= NOW


def test_matches() -> None:
    assert match_for(None, None).pattern is None
    assert match_for("payment timeout", None).pattern == '"payment timeout"'
    assert match_for('{ $.level = "ERROR" }', None).pattern == '{ $.level = "ERROR" }'
    both = match_for("boom", "abc-123")
    assert both.pattern == '"abc-123"' and both.phrases == ("abc-123", "boom")
    assert both.keeps("abc-123 went boom") and not both.keeps("abc-123 fine")
    assert match_for('say "hi"', None).pattern == '"say \\"hi\\""'
    with pytest.raises(CliError, match="only with plain-text"):
        match_for("{ $.x = 1 }", "abc")
    with pytest.raises(CliError, match="empty"):
        match_for("   ", None)


@given(st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.text(max_size=40)))
def test_any_filter_or_request_id_is_a_match_or_one_clear_error(text: str | None, request_id: str | None) -> None:
    try:
        match = match_for(text, request_id)
    except CliError as error:
        assert str(error).startswith(("--filter", "--request-id"))
    else:
        assert (match.pattern is None) == (text is None and request_id is None)


def test_json_lines_are_recognised_and_others_are_text() -> None:
    assert LogLine("lambda", 0, '{"a": 1}\n', "s", "1").json == {"a": 1}
    assert LogLine("lambda", 0, "{not json", "s", "1").json is None
    assert LogLine("ecs", 0, "plain", "s", "1").as_dict()["message"] == "plain"
    assert LogLine("ecs", 1_500, "x", "s", "1").time == "1970-01-01T00:00:01.500Z"


@given(st.dictionaries(st.sampled_from(["timestamp", "message", "logStreamName", "eventId", "x"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=20), st.floats())))
def test_any_event_shape_becomes_a_line(event: dict[str, object]) -> None:
    line = from_event("ecs", event)
    assert line.timestamp_ms >= 0 and isinstance(line.message, str)
    line.as_dict()


def test_merge_keeps_time_order_across_targets() -> None:
    a = [LogLine("lambda", t, str(t), "s", str(t)) for t in (1, 5, 9)]
    b = [LogLine("ecs", t, str(t), "s", str(t)) for t in (2, 5, 7)]
    assert [(line.target, line.timestamp_ms) for line in merged(a, b)] == [
        ("lambda", 1), ("ecs", 2), ("lambda", 5), ("ecs", 5), ("ecs", 7), ("lambda", 9)]


REPORT = ("REPORT RequestId: 6f1c\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t"
          "Max Memory Used: 81 MB\tInit Duration: 301.22 ms\t")


def test_report_lines() -> None:
    report = parse_report(REPORT)
    assert report == Report("6f1c", 12.34, 13.0, 512.0, 81.0, 301.22, None)
    assert report is not None and report.cold
    warm = parse_report("REPORT RequestId: x\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
                        "Max Memory Used: 60 MB\tStatus: timeout")
    assert warm is not None and not warm.cold and warm.status == "timeout"
    assert parse_report("START RequestId: x Version: 1") is None
    assert parse_report("REPORT RequestId: x\tnothing else") is None


@given(st.text(max_size=200))
def test_any_text_is_a_report_or_none(text: str) -> None:
    for candidate in (text, "REPORT RequestId: " + text):
        report = parse_report(candidate)
        assert report is None or report.duration_ms is not None or report.billed_ms is not None


def test_percentiles_are_nearest_rank_and_p99_needs_samples() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile(list(range(1, 101)), 0.99) == 99
    few = summarize([Report(str(i), 1.0, 1.0, 128.0, 50.0, 100.0 * i, None) for i in range(1, 6)])
    assert few.init_p50_ms == 300.0 and few.init_p99_ms is None
    assert few.memory_share == 50 / 128
    assert summarize([]).invocations == 0 and summarize([]).memory_share is None
