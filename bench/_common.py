"""Small helpers the bench scripts share: medians and alternating side-by-side runs."""

from __future__ import annotations

import statistics
from collections.abc import Callable


def alternate(rounds: int, **sides: Callable[[], float]) -> dict[str, float]:
    """Run each side once per round, interleaved (noise hits both alike); medians per side."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, measure in sides.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}
