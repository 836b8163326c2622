"""Small helpers the bench scripts share: medians and alternating side-by-side runs."""

from __future__ import annotations

import statistics
from collections.abc import Callable


def alternate(rounds: int, **sides: Callable[[], float]) -> dict[str, float]:
    """Run each side once per round, interleaved (noise hits both alike); medians per side."""
    return {name: statistics.median(values) for name, values in alternate_samples(rounds, **sides).items()}


def alternate_samples(rounds: int, **sides: Callable[[], float]) -> dict[str, list[float]]:
    """Every sample of every side, run interleaved one round at a time."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, measure in sides.items():
            samples[name].append(measure())
    return samples


def describe(values: list[float], scale: float = 1.0, unit: str = "s") -> str:
    """`median (min-max) unit`, scaled (e.g. 1000 for ms)."""
    return (f"{statistics.median(values) * scale:8.1f} {unit} "
            f"({min(values) * scale:.1f}-{max(values) * scale:.1f})")
