"""The noise filter: forgive what varies within a side, still catch a format change, say 'not enough samples'."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from shopbot_cli.parity.compare import Response, compare
from shopbot_cli.parity.corpus import Rules
from shopbot_cli.parity.noise import RouteNoise, Thresholds, exceeds, upper_bound

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
    [row] = noise.field_report()
    assert (row["field"], row["samples"], row["varied"], row["state"]) == ("$.at", 3, 3, "noisy")
    assert row["outcome"] == "noise"


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


def test_a_noisy_field_whose_primary_already_mixes_formats_is_forgiven_as_noise() -> None:
    """Primary answers ISO then epoch text, candidate epoch text twice: one format per side is not kept."""
    noise = RouteNoise()
    for i in range(3):
        t = stamps(i)
        observe(noise, body(at=t[0].isoformat()), body(at=f"{t[2].timestamp():.3f}"),
                body(at=f"{t[1].timestamp():.3f}"), body(at=f"{t[3].timestamp():.3f}"))
    [verdict] = noise.verdicts()
    assert (verdict.outcome, verdict.stats["decision"]) == ("noise", "noise")


def test_stable_field_that_differs_is_a_difference_and_says_when_samples_are_few() -> None:
    noise = RouteNoise()
    observe(noise, body(price=10), body(price=10), body(price=11), body(price=11))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert "not enough samples: value differs: 10 vs 11 - 1 sample(s) of 3 needed" in verdict.reason
    assert noise.field_report()[0]["state"] == "not enough samples"
    for _ in range(2):
        observe(noise, body(price=10), body(price=10), body(price=11), body(price=11))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail" and "not enough samples" not in verdict.reason
    assert "never varies within a side" in verdict.reason
    assert noise.field_report()[0]["state"] == "stable"


def test_identical_bodies_are_not_samples_of_body_fields() -> None:
    """Four identical bodies say nothing about a field that may not be in them: never more forgiving."""
    noise = RouteNoise()
    same = body(price=10)
    for _ in range(3):
        noise.observe([], [], [], None, "test")
    observe(noise, same, same, body(price=11), body(price=11))
    assert noise.samples("$.price").samples == 1
    assert noise.samples("headers.etag").samples == 4      # headers are compared in every quad
    assert noise.identical == 3 and noise.quads == 4


def test_a_list_counts_once_per_request() -> None:
    noise = RouteNoise()
    for _ in range(4):
        rows = [{"at": 1}, {"at": 2}, {"at": 3}]
        shifted = [{"at": 2}, {"at": 3}, {"at": 4}]
        observe(noise, body(rows=rows), body(rows=rows), body(rows=shifted), body(rows=shifted))
    [verdict] = noise.verdicts()
    assert verdict.finding.count == 4 and verdict.stats["cross_rate"] == 1.0 and verdict.stats["samples"] == 4


def test_type_change_on_a_noisy_field_is_caught() -> None:
    noise = RouteNoise()
    for i in range(3):
        t = stamps(i)
        observe(noise, body(at=t[0].isoformat()), body(at=t[2].isoformat()), body(at=t[1].timestamp()),
                body(at=t[3].timestamp()))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail" and verdict.finding.kind == "type"


# --------------------------------------------------------------------------- planted cases (issue 13)


def price(value: float) -> Response:
    return body(price=value)


def test_systematic_price_difference_under_rare_noise_fails() -> None:
    """50 requests; candidate always +1.00; each side shows a sale price once in 25 answers."""
    noise = RouteNoise()
    for i in range(50):
        sale_p = 8.0 if i % 25 == 3 else 10.0
        sale_c = 9.0 if i % 25 == 17 else 11.0
        observe(noise, price(10.0), price(sale_p), price(11.0), price(sale_c))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert "differs more across sides than within: differs across sides in 50 of 50 (100.0%), within primary " \
           "4.0%, within candidate 4.0%" in verdict.reason
    [row] = noise.field_report()
    assert (row["cross_rate"], row["within_primary"], row["within_candidate"], row["samples"]) == (1.0, 0.04, 0.04, 50)
    assert row["outcome"] == "fail" and row["thresholds"] == {"relative": 0.2, "absolute": 0.02, "min_samples": 3}


def test_field_that_varies_as_much_within_as_across_is_noise() -> None:
    noise = RouteNoise()
    for i in range(40):
        # a "featured" flag that flips on every other answer on both sides alike
        a, b = (i % 2 == 0), (i % 2 == 1)
        observe(noise, body(featured=a), body(featured=b), body(featured=b), body(featured=a))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "noise", verdict.reason
    assert "differs across sides in 40 of 40 (100.0%), within primary 100.0%, within candidate 100.0%" in verdict.reason
    assert "could still hide" in verdict.reason


def test_three_percent_difference_with_no_within_side_noise_fails() -> None:
    noise = RouteNoise()
    for i in range(100):
        candidate = price(12 if i in (5, 50, 95) else 10)
        observe(noise, price(10), price(10), candidate, candidate)
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert verdict.stats["cross_rate"] == 0.03 and verdict.stats["within_primary"] == 0.0
    assert "never varies within a side" in verdict.reason


def test_three_percent_over_some_noise_fails_on_the_thresholds_and_passes_when_they_are_loosened() -> None:
    def run(limits: Thresholds) -> str:
        noise = RouteNoise(thresholds=limits)
        for i in range(100):
            wobble = 9 if i % 50 == 1 else 10           # 2% within-side noise on each side
            cross = 12 if i % 20 == 0 else 10           # plus 5% across-side differences
            observe(noise, price(10), price(wobble), price(cross), price(wobble if cross == 10 else cross))
        [verdict] = noise.verdicts()
        return verdict.outcome

    assert run(Thresholds()) == "fail"
    assert run(Thresholds(relative=0.2, absolute=0.10)) == "noise"       # needs 10 points above the noise now
    assert run(Thresholds(relative=5.0, absolute=0.0)) == "noise"        # or 5x the within rate


def test_too_few_samples_says_so_and_counts_as_a_difference_even_when_noisy() -> None:
    noise = RouteNoise()
    for i in range(2):
        p1, p2, c1, c2 = (body(at=t.isoformat()) for t in stamps(i))
        observe(noise, p1, p2, c1, c2)
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert "not enough samples" in verdict.reason and "2 sample(s) of 3 needed" in verdict.reason
    assert noise.field_report()[0]["state"] == "not enough samples"


def test_candidate_that_varies_where_the_primary_is_stable_fails() -> None:
    noise = RouteNoise()
    for i in range(30):
        observe(noise, price(10), price(10), price(10 + (i % 7)), price(10 + ((i + 3) % 7)))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "fail"
    assert verdict.reason.split(": ", 1)[1].startswith(("differs more across", "varies more within the candidate"))


def test_upper_bound_is_the_rule_of_three_for_no_hits() -> None:
    assert upper_bound(0, 0) == 1.0
    assert 0.025 < upper_bound(0, 100) < 0.03
    assert 0.5 < upper_bound(50, 100) < 0.6
    assert upper_bound(100, 100) == 1.0


def test_exceeds_needs_both_thresholds() -> None:
    limits = Thresholds(relative=0.5, absolute=0.1)
    assert exceeds(0.31, 0.2, limits)            # +0.11 > 0.1 and > 0.1 (half of 0.2)
    assert not exceeds(0.29, 0.2, limits)        # +0.09: under the absolute threshold
    assert not exceeds(0.7, 0.5, limits)         # +0.2 > 0.1 but not > 0.25 (half of 0.5)
    assert exceeds(0.76, 0.5, limits)


def test_a_field_that_varies_within_a_side_only_is_listed_with_its_rates() -> None:
    """The table shows noise even where the sides never differed, so a reader sees why later noise is forgiven."""
    noise = RouteNoise()
    for i in range(4):
        observe(noise, price(10), price(10), price(10), price(10 + (i % 2) + 1))
    assert noise.verdicts() == []
    [row] = noise.field_report()
    assert (row["field"], row["outcome"], row["within_primary"], row["within_candidate"], row["state"]) == (
        "$.price", "no difference", 0.0, 1.0, "noisy")
    assert row["hidden_rate_95"] == round(upper_bound(0, 4), 4)


def test_a_request_with_a_failed_repetition_is_not_a_sample() -> None:
    """C2 timed out: the cross difference still counts, but nothing was learnt about noise."""
    noise = RouteNoise()
    cross = compare(price(10), price(11), Rules())
    noise.observe(cross, [], None, set(), "corpus.yaml:1")
    noise.observe(cross, None, [], set(), "corpus.yaml:2")
    [verdict] = noise.verdicts()
    assert (noise.quads, verdict.finding.count, verdict.stats["samples"]) == (0, 2, 0)
    assert verdict.outcome == "fail" and verdict.stats["decision"] == "not enough samples"


def test_a_reason_quotes_the_first_request_that_differed() -> None:
    noise = RouteNoise()
    for status in (500, 503):
        failed = Response(status, [("Content-Type", "application/json")], b"{}", 2)
        noise.observe(compare(body(), failed, Rules()), None, None, None, f"corpus.yaml:{status}")
    [verdict] = [v for v in noise.verdicts() if v.finding.kind == "status"]
    assert "not enough samples: status 200 on primary, 500 on candidate" in verdict.reason
    assert [e["request"] for e in verdict.finding.examples] == ["corpus.yaml:500", "corpus.yaml:503"]


def test_a_field_without_samples_reports_that_anything_could_hide_there() -> None:
    """No quad answered: the report shows a 100% cross rate, no within-side noise, and 100% hidden."""
    noise = RouteNoise()
    noise.observe(compare(price(10), price(11), Rules()), None, None, None, "corpus.yaml:1")
    [verdict] = noise.verdicts()
    assert {k: verdict.stats[k] for k in ("samples", "cross_rate", "within_primary", "within_candidate",
                                          "hidden_rate_95")} == {
        "samples": 0, "cross_rate": 1.0, "within_primary": 0.0, "within_candidate": 0.0, "hidden_rate_95": 1.0}
    assert verdict.reason.endswith("0 sample(s) of 3 needed to rule out noise; counted as a difference")


def test_each_decision_is_named_in_the_stats() -> None:
    noise = RouteNoise()
    for _ in range(3):
        observe(noise, price(10), price(10), price(11), price(11))
    [verdict] = noise.verdicts()
    assert verdict.stats["decision"] == "never varies within a side"
    assert verdict.stats["hidden_rate_95"] == 0.0 or verdict.outcome == "fail"


def test_upper_bound_with_one_sample() -> None:
    assert 0.72 < upper_bound(0, 1) < 0.74      # one clean sample still hides up to ~73%
    assert upper_bound(1, 1) == 1.0
    assert upper_bound(3, 0) == 1.0 and upper_bound(0, -1) == 1.0


def test_a_missing_header_on_a_stable_route_is_never_noise() -> None:
    noise = RouteNoise()
    cached = Response(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], b"{}", 2)
    bare = Response(200, [("Content-Type", "application/json")], b"{}", 2)
    for _ in range(3):
        observe(noise, cached, cached, bare, bare)
    [verdict] = noise.verdicts()
    assert (verdict.finding.key, verdict.finding.kind, verdict.outcome) == ("headers.cache-control", "missing", "fail")
    assert (verdict.stats["within_primary"], verdict.stats["within_candidate"]) == (0.0, 0.0)
    assert verdict.stats["decision"] == "never varies within a side"


def test_a_field_that_comes_and_goes_within_a_side_counts_each_request_once() -> None:
    noise = RouteNoise()
    for _ in range(3):
        observe(noise, body(promo="x"), body(), body(promo="x"), body())
    assert noise.samples("$.promo").samples == 3
    assert noise.field_report()[0]["within_primary"] == 1.0


def test_nothing_can_hide_beyond_noise_that_varies_more_than_the_sides_differ() -> None:
    noise = RouteNoise()
    for i in range(10):
        same = i % 2 == 0  # P1 and C1 agree on every other request; P1/P2 and C1/C2 always differ
        observe(noise, price(i), price(i + 100), price(i if same else i + 50), price(i + 200))
    [verdict] = noise.verdicts()
    assert verdict.outcome == "noise" and verdict.stats["cross_rate"] == 0.5
    assert verdict.stats["hidden_rate_95"] == 0.0


def test_report_has_one_row_per_field_and_kind_with_concrete_examples() -> None:
    noise = RouteNoise()
    for i in range(7):
        left = body(a=1, b=1, items=[{"price": 1}, {"price": 2}])
        right = body(a=2, b=1 if i else 2, items=[{"price": 1}, {"price": 3}])
        observe(noise, left, left, right, right)
    rows = noise.field_report()
    assert [(r["field"], r["kind"]) for r in rows] == [("$.a", "value"), ("$.b", "value"), ("$.items[].price", "value")]
    by_field = {r["field"]: r for r in rows}
    assert by_field["$.b"]["cross_rate"] == 0.1429           # 1 of 7, to four places
    [price] = [v for v in noise.verdicts() if v.finding.key == "$.items[].price"]
    assert price.finding.examples[0]["where"] == "$.items[1].price"   # the concrete item, not the pattern


def test_rates_of_a_field_that_varies_only_within_are_shown_to_four_places() -> None:
    noise = RouteNoise()
    for i in range(3):
        observe(noise, price(10), price(10), price(10), price(11 if i == 0 else 10))
    [row] = noise.field_report()
    assert (row["within_primary"], row["within_candidate"]) == (0.0, 0.3333)


def test_a_candidate_that_drops_a_header_now_and_then_is_named_as_the_noisier_side() -> None:
    noise = RouteNoise()
    full = Response(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], b"{}", 2)
    bare = Response(200, [("Content-Type", "application/json")], b"{}", 2)
    for i in range(8):
        # half the requests: C1 lost the header (a cross difference); the other half: C2 lost it (within)
        observe(noise, full, full, bare if i % 2 else full, full if i % 2 else bare)
    [verdict] = noise.verdicts()
    assert (verdict.finding.kind, verdict.stats["within_primary"], verdict.stats["within_candidate"]) == (
        "missing", 0.0, 0.5)
    assert verdict.outcome == "fail" and verdict.stats["decision"] == "varies more within the candidate"


def test_a_list_that_differs_in_many_items_does_not_hide_the_fields_after_it() -> None:
    noise = RouteNoise()
    for _ in range(3):
        left = {"items": [1, 2, 3], "z": 1}
        right = {"items": [4, 5, 6], "z": 2}
        observe(noise, body(**left), body(**left), body(**right), body(**right))
    counts = {v.finding.key: v.finding.count for v in noise.verdicts()}
    assert counts == {"$.items[]": 3, "$.z": 3}


def test_within_side_rates_of_a_finding_are_shown_to_four_places() -> None:
    noise = RouteNoise()
    for i in range(3):
        observe(noise, price(10), price(10), price(11), price(12 if i == 0 else 11))
    [verdict] = noise.verdicts()
    assert (verdict.stats["within_primary"], verdict.stats["within_candidate"]) == (0.0, 0.3333)
    hidden = max(0.0, upper_bound(3, 3) - 1 / 3)
    assert verdict.stats["hidden_rate_95"] == round(hidden, 4) != round(hidden, 5), "four places, like the rates"
