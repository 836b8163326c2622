"""Plan -> show -> confirm -> execute, the only path by which the toolkit changes AWS.

A command builds a `Plan` with read-only calls, then hands it to `execute`. `--dry-run`
walks the same pipeline and stops after showing it; declining changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import Aborted
from .ui import UI


@dataclass
class Step:
    """One change: what a person reads, and the call that makes it."""

    summary: str
    action: Callable[[], Any]
    detail: list[str] = field(default_factory=list)


@dataclass
class Plan:
    title: str
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, summary: str, action: Callable[[], Any], detail: list[str] | None = None) -> None:
        self.steps.append(Step(summary, action, detail or []))

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "steps": [{"summary": s.summary, "detail": s.detail} for s in self.steps],
            "notes": self.notes,
        }


def show(plan: Plan, ui: UI) -> None:
    ui.info(f"[bold]{plan.title}[/]")
    for note in plan.notes:
        ui.info(f"  [dim]{note}[/]")
    if not plan.steps:
        ui.info("  Nothing to change.")
    for number, step in enumerate(plan.steps, 1):
        ui.info(f"  {number}. {step.summary}")
        for line in step.detail:
            ui.info(f"       {line}")


def execute(plan: Plan, ui: UI, *, dry_run: bool = False) -> list[Any]:
    """Show the plan, ask, run each step in order; returns each step's result."""
    show(plan, ui)
    if not plan.steps:
        return []
    if dry_run:
        ui.info("[yellow]Dry run:[/] nothing was changed.")
        return []
    if not ui.confirm("Apply this plan?"):
        raise Aborted("plan not confirmed: nothing was changed (answer y, or pass --yes in CI)")
    return [step.action() for step in plan.steps]
