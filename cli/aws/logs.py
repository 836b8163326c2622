"""CloudWatch Logs reads for `shopbot logs`: FilterLogEvents, paged, with errors translated.

An unknown log group is a settings problem (exit 3) and says which setting names it; a
refusal (AccessDenied) is AWS's (exit 4) and names the permission needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions

from ..errors import AwsError, ConfigError
from . import aws_errors, error_code

PAGE_SIZE = 10_000  # FilterLogEvents' own maximum


def filter_events(
    client: Any, group: str, *, start_ms: int, end_ms: int | None = None, pattern: str | None = None,
    setting: str = "log group",
) -> Iterator[dict[str, Any]]:
    """Every event of `group` in [start_ms, end_ms] matching `pattern`, oldest first."""
    request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "limit": PAGE_SIZE}
    if end_ms is not None:
        request["endTime"] = end_ms
    if pattern:
        request["filterPattern"] = pattern
    while True:
        try:
            with aws_errors(f"reading log group {group} (needs logs:FilterLogEvents)"):
                page = client.filter_log_events(**request)
        except AwsError as error:
            cause = error.__cause__
            if isinstance(cause, botocore.exceptions.ClientError):
                code = error_code(cause)
                if code == "ResourceNotFoundException":
                    raise ConfigError(f"log group {group} not found: check `{setting}` in shopbot.toml "
                                      "(or the target has not logged anything yet)") from None
                if code == "InvalidParameterException":
                    message = cause.response.get("Error", {}).get("Message", "")
                    raise AwsError(f"CloudWatch Logs rejected the request for {group}: {message} "
                                   "(check --filter's pattern syntax)", ) from None
            raise
        yield from page.get("events", [])
        token = page.get("nextToken")
        if not token or token == request.get("nextToken"):
            return
        request["nextToken"] = token
