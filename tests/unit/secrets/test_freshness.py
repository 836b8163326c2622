"""Which running tasks hold the secret's old values, and how long warm Lambdas may keep them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from shopbot_cli.secrets.freshness import judge_tasks, lambda_lag, ttl_of

CHANGED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _task(name: str, **times: datetime) -> dict[str, object]:
    return {"taskArn": f"arn:aws:ecs:us-east-1:1:task/shop/{name}", **times}


def test_tasks_started_before_the_change_are_stale() -> None:
    ages = judge_tasks([
        _task("old", startedAt=CHANGED - timedelta(minutes=5), createdAt=CHANGED - timedelta(minutes=6)),
        _task("new", startedAt=CHANGED + timedelta(seconds=1)),
        _task("pending-new", createdAt=CHANGED + timedelta(seconds=3)),     # not started, created after
        _task("pending-old", createdAt=CHANGED - timedelta(seconds=3)),     # could start either side
        _task("bare"),
        _task("naive", startedAt=datetime(2026, 12, 1, 7, 59)),              # no zone: UTC
    ], CHANGED)
    assert ages.stale == ["old", "naive"]
    assert ages.fresh == ["new", "pending-new"]
    assert ages.unknown == ["pending-old", "bare"]


@given(st.lists(st.dictionaries(st.sampled_from(["taskArn", "startedAt", "createdAt"]),
                                st.one_of(st.none(), st.text(max_size=5), st.integers(),
                                          st.datetimes(timezones=st.just(UTC))))))
def test_any_task_shape_lands_in_exactly_one_bucket(tasks: list[dict[str, object]]) -> None:
    ages = judge_tasks(tasks, CHANGED)
    assert len(ages.fresh) + len(ages.stale) + len(ages.unknown) == len(tasks)


def test_ttl_and_lag() -> None:
    assert ttl_of({}) == 300.0 and ttl_of({"SECRETS_TTL_SECONDS": "30"}) == 30.0
    assert ttl_of({"SECRETS_TTL_SECONDS": "soon"}) is None and ttl_of({"SECRETS_TTL_SECONDS": "-1"}) is None
    assert lambda_lag(300, 0) == ("warm Lambda environments see the change within 300s (SECRETS_TTL_SECONDS=300s); "
                                  "new ones see it at once")
    assert lambda_lag(300, 100).startswith("warm Lambda environments see the change within 200s")
    assert lambda_lag(300, 301).startswith("every Lambda environment has re-read the secret")
    assert lambda_lag(300, 300).startswith("every Lambda environment has re-read the secret")  # exactly one TTL
    assert lambda_lag(300, 299.5).startswith("warm Lambda environments see the change within 0s")
    assert "keep the old values until they recycle" in lambda_lag(0, 5)
    assert "not a number" in lambda_lag(None, 5)


def test_lambda_times() -> None:
    from shopbot_cli.secrets.freshness import parse_lambda_time

    assert parse_lambda_time("2026-12-01T08:00:00.123+0000") == datetime(2026, 12, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert parse_lambda_time("2026-12-01T08:00:00.815924000Z") == datetime(2026, 12, 1, 8, 0, 0, 815924, tzinfo=UTC)
    assert parse_lambda_time("2026-12-01T09:00:00+01:00") == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert parse_lambda_time("yesterday") is None and parse_lambda_time(None) is None
    assert parse_lambda_time("2026-13-45T99:00:00Z") is None


@given(st.text(max_size=40))
def test_any_lambda_time_parses_or_is_none(text: str) -> None:
    from shopbot_cli.secrets.freshness import parse_lambda_time

    moment = parse_lambda_time(text)
    assert moment is None or moment.tzinfo is not None
