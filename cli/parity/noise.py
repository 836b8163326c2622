"""Noise: a field that differs between two answers of the *same* side is noisy, not a regression.

Each request is answered four times: P1, P2 (primary) and C1, C2 (candidate). Per route and
per generalised field we pool: how often the field was seen, how often it varied within a
side, and how often it differed across sides. A noisy value difference is forgiven, except
when each side is consistent in *format* and the formats differ (ISO time vs epoch, string
vs number, uuid vs int): that is the blind spot of a plain noise filter, closed here.
Too few samples to tell noise from a difference is said so, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .compare import Diff

MIN_SAMPLES = 3          # below this, "stable" cannot be told apart from "not yet seen varying"
MAX_EXAMPLES = 3
VALUE_KINDS = frozenset({"value", "order"})


@dataclass
class Finding:
    """Cross-side differences of one kind at one field of one route, pooled over requests."""

    key: str
    kind: str
    label: str
    count: int = 0
    format_mismatch: int = 0
    formats: tuple[str, str] = ("", "")
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FieldNoise:
    samples: int = 0       # quads in which this field was compared within both sides
    noisy: int = 0         # quads in which it varied within a side
    noisy_kinds: set[str] = field(default_factory=set)


@dataclass
class RouteNoise:
    """Everything the noise filter knows about one route, in memory bounded by its schema."""

    quads: int = 0
    identical: int = 0     # quads whose four bodies were byte-identical (every body field seen, none varied)
    fields: dict[str, FieldNoise] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def observe(self, cross: list[Diff], primary_self: list[Diff] | None, candidate_self: list[Diff] | None,
                visited: set[str] | None, source: str) -> None:
        """Pool one request: P1 vs C1 diffs, and P1 vs P2 / C1 vs C2 diffs when all four answered.

        `visited` holds the body fields compared within the sides; None means the four bodies
        were byte-identical, which counts as a sample for every field without walking them.
        """
        own: dict[str, list[Diff]] = {}
        if primary_self is not None and candidate_self is not None:
            self.quads += 1
            self.identical += visited is None
            for key in (visited or set()) | {"status", "body"}:
                self._field(key).samples += 1
            for diff in (*primary_self, *candidate_self):
                own.setdefault(diff.key, []).append(diff)
            for key, diffs in own.items():
                noise = self._field(key)
                noise.noisy += 1
                noise.noisy_kinds.update(d.kind for d in diffs)
                if key not in (visited or set()):
                    noise.samples += 1
        for diff in cross:
            finding = self.findings.get((diff.key, diff.kind))
            if finding is None:
                finding = self.findings[(diff.key, diff.kind)] = Finding(diff.key, diff.kind, diff.label)
            finding.count += 1
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

    def verdicts(self) -> list[Verdict]:
        """Decide each pooled finding: a failure, a transport note, or forgiven noise (with why)."""
        return [self._decide(f) for f in sorted(self.findings.values(), key=lambda f: (f.key, f.kind))]

    def samples(self, key: str) -> FieldNoise:
        """The field's pooled evidence, identical quads included."""
        seen = self.fields.get(key, FieldNoise())
        extra = self.identical if key not in ("status", "body") else 0
        return FieldNoise(seen.samples + extra, seen.noisy, seen.noisy_kinds)

    def _decide(self, finding: Finding) -> Verdict:
        noise = self.samples(finding.key)
        where = f"{finding.key} ({finding.kind}, {finding.count} request(s))"
        if finding.label == "transport":
            return Verdict(finding, "transport", f"{where}: transport-level difference, not a failure")
        noisy = noise.noisy > 0 and (finding.kind in VALUE_KINDS or finding.kind in noise.noisy_kinds)
        if noisy and finding.kind in VALUE_KINDS:
            if finding.format_mismatch:
                left, right = finding.formats
                return Verdict(finding, "fail", f"{where}: noisy field changes format: {left} on primary, "
                               f"{right} on candidate ({finding.format_mismatch} of {finding.count})")
            return Verdict(finding, "noise", f"{where}: noise (varies within a side in {noise.noisy} of "
                           f"{noise.samples} samples); format matches")
        if noisy:
            return Verdict(finding, "noise", f"{where}: {finding.kind} also varies within a side "
                           f"({noise.noisy} of {noise.samples} samples)")
        reason = f"{where}: {_describe(finding)}"
        if finding.kind in VALUE_KINDS and noise.samples < MIN_SAMPLES:
            reason += (f" - not enough samples to rule out noise ({noise.samples} of {MIN_SAMPLES}); "
                       "counted as a difference")
        return Verdict(finding, "fail", reason)

    def field_report(self) -> list[dict[str, object]]:
        """Per field that ever differed: samples, noisy or stable, or honestly 'not enough samples'."""
        keys = {key for key, _ in self.findings} | {k for k, n in self.fields.items() if n.noisy}
        report = []
        for key in sorted(keys):
            noise = self.samples(key)
            if noise.noisy:
                state = "noisy"
            elif noise.samples >= MIN_SAMPLES:
                state = "stable"
            else:
                state = "not enough samples"
            report.append({"field": key, "samples": noise.samples, "varied": noise.noisy, "state": state})
        return report


@dataclass
class Verdict:
    finding: Finding
    outcome: str      # fail | noise | transport
    reason: str


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
