"""The gates a cutover must pass: the target answers its health check, and parity was proved.

A gate never changes anything. A failing gate stops the cutover unless `--force`, in which
case it is recorded as *skipped* in the ledger (who forced what is part of the history).
The parity report is the contract `shopbot parity-check` writes (version 1): it must have
passed, be younger than `parity_max_age_seconds`, and compare the ALB (primary) against
the API (candidate) of this environment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from ..errors import CliError, ExitStatus
from ..settings.environments import Settings
from .planning import sha256_of

HEALTH_TIMEOUT_SECONDS = 5.0
CLOCK_SKEW_SECONDS = 300  # a report dated further ahead than this was not made by a clock we can trust


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    detail: str
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ParityReport:
    """Where the report is and the hash of its bytes (what the ledger records)."""

    path: str
    sha256: str | None


def health_url(base_url: str, health_path: str) -> str:
    return base_url.rstrip("/") + "/" + health_path.lstrip("/")


def health_gate(name: str, base_url: str, health_path: str) -> GateResult:
    """GET the origin's health URL directly (not through CloudFront): 200 passes."""
    url = health_url(base_url, health_path)
    try:
        response = requests.get(url, timeout=HEALTH_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as error:
        return GateResult(name, False, f"{url} did not answer ({type(error).__name__})")
    if response.status_code != 200:
        return GateResult(name, False, f"{url} answered {response.status_code}")
    return GateResult(name, True, f"{url} answered 200")


def read_parity_report(path: str) -> tuple[dict[str, Any] | None, ParityReport, str | None]:
    """(document, report identity, problem) - a problem is a one-line reason it cannot count."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return None, ParityReport(path, None), f"parity report {path} cannot be read ({error.strerror})"
    report = ParityReport(path, sha256_of(data))
    try:
        document = json.loads(data)
    except ValueError:
        return None, report, f"parity report {path} is not JSON"
    if not isinstance(document, dict) or document.get("version") != 1:
        return None, report, f"parity report {path} is not a version 1 parity report"
    return document, report, None


def parity_gate(settings: Settings, now: datetime | None = None) -> tuple[GateResult, ParityReport]:
    """A passing, fresh report comparing this environment's ALB (primary) with its API (candidate)."""
    path = str(settings.parity_report)
    document, report, problem = read_parity_report(path)
    if document is None:
        return GateResult("parity", False, str(problem)), report
    now = now or datetime.now(UTC)
    primary, candidate = _url(document.get("primary")), _url(document.get("candidate"))
    expected = (_url(settings.alb_url), _url(settings.api_url))
    age = _age_seconds(document.get("generated_at"), now)
    if (primary, candidate) != expected:
        detail = (f"report compares {primary} (primary) with {candidate} (candidate), not "
                  f"{expected[0]} with {expected[1]}: run `shopbot parity-check` for this environment")
    elif age is None:
        detail = "report has no valid generated_at timestamp: run `shopbot parity-check` again"
    elif age < -CLOCK_SKEW_SECONDS:
        detail = (f"report is dated {-age:.0f} s in the future: check this machine's clock (or the one that "
                  "wrote it) and run `shopbot parity-check` again")
    elif age > settings.parity_max_age_seconds:
        detail = (f"report is {age:.0f} s old (limit {settings.parity_max_age_seconds} s): "
                  "run `shopbot parity-check` again")
    elif document.get("passed") is not True:
        detail = "report found differences (passed=false): fix them and run `shopbot parity-check` again"
    else:
        return GateResult("parity", True, f"passed {age:.0f} s ago ({path})"), report
    return GateResult("parity", False, detail), report


def enforce(results: list[GateResult], force: bool) -> list[GateResult]:
    """Stop at the first failing gate, or with `--force` mark failures as skipped."""
    failed = [result for result in results if not result.passed]
    if failed and not force:
        first = failed[0]
        raise CliError(f"gate '{first.name}' failed: {first.detail} (or pass --force to skip it; "
                       "the ledger records that)", ExitStatus.DIFFERENCES)
    return [GateResult(r.name, r.passed, r.detail, skipped=not r.passed) for r in results]


def _url(value: Any) -> str:
    return str(value or "").rstrip("/")


def _age_seconds(stamp: Any, now: datetime) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return (now - when).total_seconds()

