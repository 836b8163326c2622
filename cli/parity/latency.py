"""Latency per route and side: p50/p95/p99/max, the candidate/primary p95 ratio, and the budget.

Warm-up answers are kept out, and so are cold starts that slip through: early answers of a
route far slower than its median (a new Lambda environment, or a component initialised lazily
on first use) are counted and shown apart, not averaged in. A ratio of two sub-millisecond numbers says
nothing, so the budget fails only when the ratio is exceeded *and* the candidate's p95 is
slower by more than `min_ms` in absolute terms, and only with enough samples for a p95 to mean
anything (MIN_P95_SAMPLES per side); with fewer the route says so instead of deciding on one answer.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

HISTOGRAM_BINS = 24
COLD_FACTOR = 4.0        # a cold answer is this many times the route's median...
COLD_MIN_EXTRA_MS = 100  # ...and this much slower in absolute terms...
MIN_P95_SAMPLES = 20     # per side; fewer and the nearest-rank p95 is simply the slowest answer


@dataclass
class Samples:
    """Latencies in ms, stored compactly (8 bytes each) so 100k requests cost under 1 MB."""

    values: array[float] = field(default_factory=lambda: array("d"))
    cold_window: int = 0     # ...and among the first `cold_window` answers of the route on that side

    def add(self, value: float) -> None:
        self.values.append(value)

    def cold(self) -> list[int]:
        """Indexes of cold starts: early answers far slower than the route's median (lazy init)."""
        if len(self.values) < 3:
            return []
        median = sorted(self.values)[len(self.values) // 2]
        limit = max(median * COLD_FACTOR, median + COLD_MIN_EXTRA_MS)
        return [i for i in range(min(self.cold_window, len(self.values))) if self.values[i] > limit]

    def summary(self) -> dict[str, float] | None:
        """Percentiles of the warm answers; cold starts are counted and shown apart."""
        cold = set(self.cold())
        ordered = sorted(v for i, v in enumerate(self.values) if i not in cold)
        if not ordered:
            return None
        result = {"p50": _rank(ordered, 50), "p95": _rank(ordered, 95), "p99": _rank(ordered, 99),
                  "max": round(ordered[-1], 3), "count": len(ordered)}
        if cold:
            result["cold_starts"] = len(cold)
            result["cold_max"] = round(max(self.values[i] for i in cold), 3)
        return result


def _rank(ordered: list[float], percentile: float) -> float:
    """Nearest-rank percentile."""
    index = max(0, math.ceil(percentile / 100 * len(ordered)) - 1)
    return round(ordered[index], 3)


@dataclass(frozen=True)
class Budget:
    p95_ratio: float = 1.5
    min_ms: float = 25.0

    def check(self, primary: dict[str, float] | None, candidate: dict[str, float] | None) -> tuple[float | None,
                                                                                                   str | None]:
        """(p95 ratio, breach reason or None)."""
        ratio, breach, _ = self.assess(primary, candidate)
        return ratio, breach

    def assess(self, primary: dict[str, float] | None,
               candidate: dict[str, float] | None) -> tuple[float | None, str | None, str | None]:
        """(p95 ratio, breach reason or None, note or None).

        With fewer than MIN_P95_SAMPLES answers per side the nearest-rank p95 is the slowest answer,
        so one scheduling hiccup on a busy machine would decide it: the budget is then not decided,
        and the note says so with both medians (and whether they are over budget), never silently.
        """
        if not primary or not candidate:
            return None, None, None
        ratio = round(candidate["p95"] / primary["p95"], 3) if primary["p95"] > 0 else None
        fewest = int(min(primary["count"], candidate["count"]))
        if fewest >= MIN_P95_SAMPLES:
            if self._over(primary["p95"], candidate["p95"]):
                return ratio, self._breach(primary["p95"], candidate["p95"]), None
            return ratio, None, None
        medians = "over budget" if self._over(primary["p50"], candidate["p50"]) else "within budget"
        return ratio, None, (f"latency budget not decided: {fewest} sample(s) per side, {MIN_P95_SAMPLES} needed "
                             f"for a p95 (medians: primary {primary['p50']:.1f} ms, candidate "
                             f"{candidate['p50']:.1f} ms, {medians}); replay more requests of this route")

    def _over(self, primary: float, candidate: float) -> bool:
        ratio = candidate / primary if primary > 0 else math.inf
        return ratio > self.p95_ratio and candidate - primary > self.min_ms

    def _breach(self, primary: float, candidate: float) -> str:
        versus = f"is {candidate / primary:.2f}x" if primary > 0 else "against"  # no ratio to a 0 ms p95
        return (f"latency budget breached: candidate p95 {candidate:.1f} ms {versus} "
                f"primary p95 {primary:.1f} ms (budget {self.p95_ratio}x, "
                f"+{candidate - primary:.1f} ms > {self.min_ms:g} ms)")


def histogram(primary: Samples, candidate: Samples, bins: int = HISTOGRAM_BINS) -> dict[str, object]:
    """Shared log-spaced bins so the two sides can be drawn on one axis."""
    filled = [s.values for s in (primary, candidate) if s.values]
    if not filled:
        return {"edges": [], "primary": [], "candidate": []}
    low = max(min(min(v) for v in filled), 0.01)
    high = max(max(max(v) for v in filled), 0.02)
    if high <= low * 1.0001:
        high = low * 1.5
    ratio = (high / low) ** (1 / bins)
    edges = [low * ratio**i for i in range(bins + 1)]

    def count(samples: Samples) -> list[int]:
        counts = [0] * bins
        for value in samples.values:
            index = int(math.log(max(value, low) / low, ratio)) if value > low else 0
            counts[min(index, bins - 1)] += 1
        return counts

    return {"edges": [round(e, 3) for e in edges], "primary": count(primary), "candidate": count(candidate)}
