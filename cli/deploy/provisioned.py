"""Provisioned concurrency on the Lambda alias, as `shopbot deploy` sees it (issue 17).

When the alias moves to a new version, Lambda initialises the alias' provisioned
environments again for that version (Status IN_PROGRESS, then READY). Until then requests
spill over to on-demand environments, cold starts included: the deploy waits for READY.
`readiness` is pure; the rest calls Lambda (moto lacks these APIs: tests answer them
through a botocore before-call hook, the mechanism botocore's Stubber uses).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..aws import aws_errors, error_code
from ..errors import CliError, ConfigError, ExitStatus
from ..ui import UI

POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Readiness:
    done: bool
    failed: bool
    message: str


def readiness(config: dict[str, Any]) -> Readiness:
    """Where the alias' provisioned concurrency stands, from one GetProvisionedConcurrencyConfig."""
    requested = int(config.get("RequestedProvisionedConcurrentExecutions") or 0)
    allocated = int(config.get("AllocatedProvisionedConcurrentExecutions") or 0)
    status = str(config.get("Status") or "UNKNOWN")
    counts = f"{allocated}/{requested} provisioned environments allocated"
    if status == "FAILED":
        return Readiness(False, True, f"provisioned concurrency FAILED: {config.get('StatusReason', 'no reason')}")
    if status == "READY" and requested > 0 and allocated >= requested:
        return Readiness(True, False, f"{counts} (READY)")
    return Readiness(False, False, f"{counts} ({status})")


def read_config(lam: Any, function: str, alias: str) -> dict[str, Any]:
    """The alias' provisioned concurrency config; a ConfigError when it has none."""
    try:
        with aws_errors(f"reading provisioned concurrency of {function}:{alias}"):
            return dict(lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier=alias))
    except CliError as error:
        cause = error.__cause__
        if (isinstance(cause, botocore.exceptions.ClientError)
                and error_code(cause) == "ProvisionedConcurrencyConfigNotFoundException"):
            raise ConfigError(f"alias {alias} of {function} has no provisioned concurrency: apply deploy/lambda "
                              "with provisioned_concurrency > 0, or set `lambda_provisioned_concurrency = 0`") from None
        raise


def wait_ready(lam: Any, function: str, alias: str, timeout: float, ui: UI, *, poll: float | None = None,
               sleep: Callable[[float], None] = time.sleep) -> str:
    """Bounded poll until READY; FAILED or the deadline stops with exit 1 (the alias has moved)."""
    poll = POLL_SECONDS if poll is None else poll
    deadline = time.monotonic() + timeout
    with ui.progress(f"waiting for provisioned concurrency on {function}:{alias}") as progress:
        while True:
            state = readiness(read_config(lam, function, alias))
            progress.update(progress.task_ids[0], description=state.message)
            if state.done:
                return state.message
            if state.failed or time.monotonic() >= deadline:
                raise CliError(f"alias {alias} of {function} moved, but {state.message}"
                               + ("" if state.failed else f" after {timeout:.0f}s")
                               + ": requests spill over to on-demand environments (cold starts) until it is READY; "
                                 "check it with `aws lambda get-provisioned-concurrency-config`",
                               ExitStatus.DIFFERENCES)
            sleep(min(poll, max(0.0, deadline - time.monotonic())))
