"""Small read-only Lambda lookups (deploy logic lives elsewhere)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from ..errors import AwsError, ConfigError
from . import aws_errors, error_code


def function_configuration(client: Any, function_name: str) -> dict[str, Any]:
    """GetFunctionConfiguration: role, environment, runtime of `function_name` ($LATEST)."""
    try:
        with aws_errors(f"reading Lambda function {function_name}"):
            return dict(client.get_function_configuration(FunctionName=function_name))
    except AwsError as error:
        cause = error.__cause__
        if isinstance(cause, botocore.exceptions.ClientError) and error_code(cause) == "ResourceNotFoundException":
            raise ConfigError(f"Lambda function {function_name} not found: check `lambda_function`") from None
        raise


def environment(configuration: dict[str, Any]) -> dict[str, str]:
    """The function's environment variables (callers must not print their values)."""
    return dict(configuration.get("Environment", {}).get("Variables", {}) or {})


def account_concurrency(client: Any) -> tuple[int, int]:
    """GetAccountSettings: (the account's concurrency limit, its unreserved part) in this region."""
    with aws_errors("reading Lambda account settings (GetAccountSettings)"):
        limits = client.get_account_settings().get("AccountLimit", {})
    return int(limits.get("ConcurrentExecutions", 0)), int(limits.get("UnreservedConcurrentExecutions", 0))


def reserved_concurrency(client: Any, function_name: str) -> int | None:
    """GetFunctionConcurrency: the function's reserved concurrency, None when it has none."""
    try:
        with aws_errors(f"reading the reserved concurrency of {function_name} (GetFunctionConcurrency)"):
            response = client.get_function_concurrency(FunctionName=function_name)
    except AwsError as error:
        cause = error.__cause__
        if isinstance(cause, botocore.exceptions.ClientError) and error_code(cause) == "ResourceNotFoundException":
            raise ConfigError(f"Lambda function {function_name} not found: check `lambda_function`") from None
        raise
    value = response.get("ReservedConcurrentExecutions")
    return None if value is None else int(value)
