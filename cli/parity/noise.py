"""Noise statistics per field and route: is a cross-side difference more than the service's own jitter?

Each request is answered four times: P1, P2 (primary) and C1, C2 (candidate). Per route and
per generalised field we count, over the requests where all four answered (the samples):
how often P1 and C1 differ (the cross-side rate), how often P1 and P2 differ and how often C1
and C2 differ (the within-side rates). Diffy's rule decides: a field is noise only when the
cross-side rate is not above the within-side rate by more than a relative *and* an absolute
threshold. One within-side variation never forgives a systematic difference, a field that never
varied within a side is never noise, and too few samples is said so and counted as a difference.
On top, a noisy value that keeps one format per side but changes format across sides (ISO time vs
epoch, string vs number) is a difference. Each decision carries a 95% upper bound on the share of
requests a systematic difference could touch and still hide in the noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .compare import Diff

MIN_SAMPLES = 3          # below this, "stable" cannot be told apart from "not yet seen varying"
RELATIVE = 0.2           # Diffy's default: the cross rate may exceed the within rate by 20% of it...
ABSOLUTE = 0.02          # ...and by 2 points in absolute terms, before it is a difference
MAX_EXAMPLES = 3
VALUE_KINDS = frozenset({"value", "order"})
Z_95 = 1.6449            # one-sided 95% normal quantile, for the Wilson upper bound


@dataclass(frozen=True)
class Thresholds:
    """When a cross-side rate stops being noise; settable in settings and per route in the corpus."""

    relative: float = RELATIVE
    absolute: float = ABSOLUTE
    min_samples: int = MIN_SAMPLES

    def as_dict(self) -> dict[str, float]:
        return {"relative": self.relative, "absolute": self.absolute, "min_samples": self.min_samples}


def exceeds(rate: float, reference: float, limits: Thresholds) -> bool:
    """Diffy's test: `rate` is above `reference` by more than both the relative and the absolute threshold."""
    excess = rate - reference
    return excess > limits.absolute and excess > limits.relative * reference


def upper_bound(hits: int, samples: int) -> float:
    """One-sided 95% Wilson upper bound of a rate seen `hits` times in `samples` (1.0 with no samples)."""
    if samples <= 0:
        return 1.0
    rate = hits / samples
    z2 = Z_95 * Z_95
    centre = rate + z2 / (2 * samples)
    spread = Z_95 * math.sqrt(rate * (1 - rate) / samples + z2 / (4 * samples * samples))
    return min(1.0, (centre + spread) / (1 + z2 / samples))


@dataclass
class Finding:
    """Cross-side differences of one kind at one field of one route, pooled over requests."""

    key: str
    kind: str
    label: str
    count: int = 0           # requests with this difference (all of them)
    in_samples: int = 0      # ...of which all four answers arrived (the numerator of the cross rate)
    format_mismatch: int = 0
    formats: tuple[str, str] = ("", "")
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FieldNoise:
    """Within-side evidence for one field: samples, and how often each side varied (by kind)."""

    samples: int = 0                                          # quads in which the field was compared
    primary: int = 0                                          # quads where P1 and P2 differed at it
    candidate: int = 0                                        # quads where C1 and C2 differed at it
    primary_kinds: dict[str, int] = field(default_factory=dict)
    candidate_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def noisy(self) -> int:
        """Quads counted as varied on either side (the larger side's count)."""
        return max(self.primary, self.candidate)

    def varied(self, kind: str) -> tuple[int, int]:
        """(primary, candidate) variations that can explain a cross difference of `kind`.

        A value or an order can be explained by any variation of the field; a missing field, a type
        change or a Set-Cookie count only by the same kind of variation.
        """
        if kind in VALUE_KINDS:
            return self.primary, self.candidate
        return self.primary_kinds.get(kind, 0), self.candidate_kinds.get(kind, 0)


@dataclass
class Verdict:
    finding: Finding
    outcome: str      # fail | noise | transport
    reason: str
    stats: dict[str, object] = field(default_factory=dict)


@dataclass
class RouteNoise:
    """Everything the noise filter knows about one route, in memory bounded by its schema."""

    quads: int = 0
    identical: int = 0     # quads whose four bodies were byte-identical (not walked: no field varied there)
    fields: dict[str, FieldNoise] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def observe(self, cross: list[Diff], primary_self: list[Diff] | None, candidate_self: list[Diff] | None,
                visited: set[str] | None, source: str) -> None:
        """Pool one request: P1 vs C1 diffs, and P1 vs P2 / C1 vs C2 diffs when all four answered.

        `visited` holds the body fields compared within the sides; None means the four bodies
        were byte-identical and were not walked.
        """
        own: dict[str, list[Diff]] = {}
        quad = primary_self is not None and candidate_self is not None
        if primary_self is not None and candidate_self is not None:
            self.quads += 1
            self.identical += visited is None
            seen = visited or set()
            for key in seen | {"status", "body"}:
                self._field(key).samples += 1
            for side, diffs in (("primary", primary_self), ("candidate", candidate_self)):
                if not diffs:
                    continue
                mine: dict[str, set[str]] = {}
                for diff in diffs:
                    own.setdefault(diff.key, []).append(diff)
                    mine.setdefault(diff.key, set()).add(diff.kind)
                for key, kinds in mine.items():
                    self._varied(key, side, kinds)
            for key in own:
                if key not in seen and key not in ("status", "body"):
                    self._field(key).samples += 1   # a header: compared in every quad, seen here first
        counted: set[tuple[str, str]] = set()
        for diff in cross:
            finding = self.findings.get((diff.key, diff.kind))
            if finding is None:
                finding = self.findings[(diff.key, diff.kind)] = Finding(diff.key, diff.kind, diff.label)
            if (diff.key, diff.kind) in counted:
                continue  # one request counts once per field, however many list items differ there
            counted.add((diff.key, diff.kind))
            finding.count += 1
            finding.in_samples += quad
            if diff.kind in VALUE_KINDS and _format_changed(diff, own.get(diff.key, [])):
                finding.format_mismatch += 1
                finding.formats = diff.formats
            if len(finding.examples) < MAX_EXAMPLES:
                finding.examples.append({"request": source, "where": diff.where or diff.key,
                                         "primary": diff.primary, "candidate": diff.candidate,
                                         "detail": diff.detail})

    def _field(self, key: str) -> FieldNoise:
        noise = self.fields.get(key)
        if noise is None:
            noise = self.fields[key] = FieldNoise()
        return noise

    def _varied(self, key: str, side: str, kinds: set[str]) -> None:
        noise = self._field(key)
        counts = noise.primary_kinds if side == "primary" else noise.candidate_kinds
        if side == "primary":
            noise.primary += 1
        else:
            noise.candidate += 1
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1

    def samples(self, key: str) -> FieldNoise:
        """The field's pooled evidence. Headers are compared in every quad. A body field counts the quads
        where it was walked; quads with four identical bodies are left out (the field may not even be in
        them), which can only make its rates stricter, never forgive more."""
        seen = self.fields.get(key, FieldNoise())
        samples = self.quads if key.startswith("headers.") else seen.samples
        return FieldNoise(samples, seen.primary, seen.candidate, seen.primary_kinds, seen.candidate_kinds)

    def verdicts(self) -> list[Verdict]:
        """Decide each pooled finding: a failure, a transport note, or forgiven noise (with why)."""
        return [self._decide(f) for f in sorted(self.findings.values(), key=lambda f: (f.key, f.kind))]

    def _decide(self, finding: Finding) -> Verdict:
        noise = self.samples(finding.key)
        limits = self.thresholds
        n = noise.samples
        within_p, within_c = noise.varied(finding.kind)
        cross_rate = finding.in_samples / n if n else 1.0
        rate_p, rate_c = (within_p / n, within_c / n) if n else (0.0, 0.0)
        within = max(rate_p, rate_c)
        stats: dict[str, object] = {
            "samples": n, "cross": finding.in_samples, "cross_rate": round(cross_rate, 4),
            "within_primary": round(rate_p, 4), "within_candidate": round(rate_c, 4),
            "thresholds": limits.as_dict(),
            "hidden_rate_95": round(max(0.0, upper_bound(finding.in_samples, n) - within), 4),
        }
        where = f"{finding.key} ({finding.kind}, {finding.count} request(s))"
        rates = (f"differs across sides in {finding.in_samples} of {n} ({_pct(cross_rate)}), within primary "
                 f"{_pct(rate_p)}, within candidate {_pct(rate_c)}")

        def verdict(outcome: str, reason: str) -> Verdict:
            stats["decision"] = reason.partition(":")[0] if outcome != "transport" else "transport"
            return Verdict(finding, outcome, f"{where}: {reason}", stats)

        if finding.label == "transport":
            return verdict("transport", "transport-level difference, not a failure")
        if n < limits.min_samples:
            return verdict("fail", f"not enough samples: {_describe(finding)} - {n} sample(s) of "
                           f"{limits.min_samples} needed to rule out noise; counted as a difference")
        if within_p == 0 and within_c == 0:
            return verdict("fail", f"never varies within a side: {_describe(finding)} ({rates}); noise cannot "
                           "explain it")
        if exceeds(cross_rate, within, limits):
            return verdict("fail", f"differs more across sides than within: {rates} - above the thresholds "
                           f"(+{_pct(limits.absolute)} and +{limits.relative:.0%} of the within rate)")
        if exceeds(max(rate_p, rate_c), min(rate_p, rate_c), limits):
            noisier = "candidate" if rate_c > rate_p else "primary"
            return verdict("fail", f"varies more within the {noisier}: {rates} - the two sides are not "
                           "equally noisy")
        if finding.format_mismatch and finding.kind in VALUE_KINDS:
            left, right = finding.formats
            return verdict("fail", f"noisy field changes format: {left} on primary, {right} on candidate "
                           f"({finding.format_mismatch} of {finding.count})")
        hidden = max(0.0, upper_bound(finding.in_samples, n) - within)
        return verdict("noise", f"noise: {rates}; within the thresholds, format matches (a systematic "
                       f"difference on up to {_pct(hidden)} of requests could still hide here, 95%)")

    def field_report(self) -> list[dict[str, object]]:
        """Per field that ever differed: the rates, the thresholds, the samples and the decision with why."""
        decided = {(v.finding.key, v.finding.kind): v for v in self.verdicts()}
        keys = {key for key, _ in self.findings} | {k for k, n in self.fields.items() if n.noisy}
        report: list[dict[str, object]] = []
        for key in sorted(keys):
            noise = self.samples(key)
            n = noise.samples
            state = "not enough samples" if n < self.thresholds.min_samples else "noisy" if noise.noisy else "stable"
            row: dict[str, object] = {"field": key, "samples": n, "varied": noise.noisy, "state": state,
                                      "thresholds": self.thresholds.as_dict()}
            kinds = [v for (k, _), v in sorted(decided.items()) if k == key]
            if not kinds:  # varied within a side, never across: it has samples (a variation is one)
                row.update(kind="", cross_rate=0.0, within_primary=round(noise.primary / n, 4),
                           within_candidate=round(noise.candidate / n, 4), outcome="no difference",
                           reason="never differed across sides", hidden_rate_95=round(upper_bound(0, n), 4))
                report.append(row)
            for decision in kinds:
                report.append({**row, **decision.stats, "kind": decision.finding.kind, "outcome": decision.outcome,
                               "reason": decision.reason, "state": state})
        return report


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _format_changed(cross: Diff, own: list[Diff]) -> bool:
    """Each side keeps one format across its two answers, and the two sides' formats differ."""
    left, right = cross.formats
    if not left or left == right:
        return False
    return all(d.formats[0] == d.formats[1] for d in own)


def _describe(finding: Finding) -> str:
    example = finding.examples[0] if finding.examples else {}
    primary, candidate = example.get("primary", ""), example.get("candidate", "")
    return {
        "status": f"status {primary} on primary, {candidate} on candidate",
        "missing": "missing on candidate",
        "extra": "only on candidate",
        "type": f"type changes: {primary} vs {candidate}",
        "order": "same items in a different order",
        "count": f"Set-Cookie count differs: {primary} vs {candidate}",
        "error": f"primary: {primary}; candidate: {candidate}",
    }.get(finding.kind, f"{finding.kind} differs: {primary} vs {candidate}")
