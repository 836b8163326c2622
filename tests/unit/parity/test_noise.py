"""The noise filter: forgive what varies within a side, still catch a format change, say 'not enough samples'."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from shopbot_cli.parity.compare import Response, compare
from shopbot_cli.parity.corpus import Rules
from shopbot_cli.parity.noise import RouteNoise

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def body(**fields: object) -> Response:
    content = json.dumps({"name": "shoe", **fields}).encode()
    return Response(200, [("Content-Type", "application/json")], content, len(content))


def observe(noise: RouteNoise, p1: Response, p2: Response, c1: Response, c2: Response) -> None:
    visited: set[str] = set()
    rules = Rules()
    noise.observe(compare(p1, c1, rules), compare(p1, p2, rules, visited), compare(c1, c2, rules, visited),
                  visited, "test")


def stamps(i: int) -> list[datetime]:
    return [START + timedelta(seconds=i, milliseconds=ms) for ms in (1, 2, 3, 4)]


def test_noisy_timestamp_in_the_same_format_is_forgiven() -> None:
    noise = RouteNoise()
    for i in range(3):
        p1, p2, c1, c2 = (body(at=t.isoformat()) for t in stamps(i))
        observe(noise, p1, p2, c1, c2)
    [verdict] = noise.verdicts()
    assert verdict.outcome == "noise"
    assert {"field": "$.at", "samples": 3, "varied": 3, "state": "noisy"} in noise.field_report()


def test_noisy_timestamp_that_changes_format_is_still_caught() -> None:
    """The blind spot of a plain noise filter: ISO on one side, epoch (as a string) on the other."""
    noise = RouteNoise()
    for i in range(3):
        t = stamps(i)
        observe(noise, body(at=t[0].isoformat()), body(at=t[2].isoformat()),
                body(at=f"{t[1].timestamp():.3f}"), body(at=f"{t[3].timestamp():.3f}"))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert "noisy field changes format: iso-datetime on primary, numeric-string on candidate" in verdict.reason


def test_field_that_flaps_format_within_a_side_is_not_a_format_change() -> None:
    noise = RouteNoise()
    t = stamps(0)
    # primary itself alternates between ISO and null: its format is not consistent, so no format verdict
    observe(noise, body(at=t[0].isoformat()), body(at=None), body(at=f"{t[1].timestamp():.3f}"),
            body(at=f"{t[3].timestamp():.3f}"))
    assert all("changes format" not in v.reason for v in noise.verdicts())


def test_stable_field_that_differs_is_a_difference_and_says_when_samples_are_few() -> None:
    noise = RouteNoise()
    observe(noise, body(price=10), body(price=10), body(price=11), body(price=11))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert "not enough samples to rule out noise (1 of 3)" in verdict.reason
    assert noise.field_report() == [{"field": "$.price", "samples": 1, "varied": 0, "state": "not enough samples"}]
    for _ in range(2):
        observe(noise, body(price=10), body(price=10), body(price=11), body(price=11))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail" and "not enough samples" not in verdict.reason
    assert noise.field_report()[0]["state"] == "stable"


def test_identical_bodies_count_as_samples_without_walking_them() -> None:
    noise = RouteNoise()
    same = body(price=10)
    for _ in range(3):
        noise.observe([], [], [], None, "test")
    observe(noise, same, same, body(price=11), body(price=11))
    assert noise.samples("$.price").samples == 4


def test_type_change_on_a_noisy_field_is_caught() -> None:
    noise = RouteNoise()
    for i in range(3):
        t = stamps(i)
        observe(noise, body(at=t[0].isoformat()), body(at=t[2].isoformat()), body(at=t[1].timestamp()),
                body(at=t[3].timestamp()))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail" and verdict.finding.kind == "type"
