"""The one place the toolkit builds AWS clients, and the translation of AWS failures.

Logic receives an `AwsClients` (or the clients it hands out) and never calls
`boto3.client` itself, so tests point everything at a moto server with no special path.
Profile, region and endpoint come from the settings, which already applied the AWS
CLI's order (`--profile` > `AWS_PROFILE` > the file; see settings/layers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from ..errors import AwsError, CliError, ConflictError
from ..settings.environments import Settings

RETRY_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
)


class AwsClients:
    """Clients from one boto3 session: profile, region and endpoint from the settings."""

    def __init__(self, settings: Settings, session: boto3.Session | None = None) -> None:
        self.settings = settings
        try:
            self.session = session or boto3.Session(
                profile_name=settings.profile, region_name=settings.region
            )
        except botocore.exceptions.ProfileNotFound as error:
            name = settings.profile or error.kwargs.get("profile", "?")
            raise AwsError(
                f"AWS profile '{name}' ({settings.origin('profile')}) not found in ~/.aws/config or "
                f"~/.aws/credentials: fix the name there, or run `aws configure --profile {name}`"
            ) from error
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str:
        return self.session.region_name or "us-east-1"

    def client(self, service: str) -> Any:
        if service not in self._clients:
            endpoint = self.settings.endpoint_url or None
            region = "us-east-1" if service == "cloudfront" else self.region
            self._clients[service] = self.session.client(  # type: ignore[call-overload]
                service, region_name=region, endpoint_url=endpoint, config=RETRY_CONFIG
            )
        return self._clients[service]

    def global_client(self, service: str) -> Any:
        """A client in us-east-1, where CloudFront's own CloudWatch metrics live (any region setting)."""
        if self.region == "us-east-1":
            return self.client(service)
        key = f"{service}@us-east-1"
        if key not in self._clients:
            endpoint = self.settings.endpoint_url or None
            self._clients[key] = self.session.client(  # type: ignore[call-overload]
                service, region_name="us-east-1", endpoint_url=endpoint, config=RETRY_CONFIG
            )
        return self._clients[key]


def patient_client(clients: AwsClients, service: str, *, read_timeout: float, endpoint_url: str | None = None) -> Any:
    """A client that waits up to `read_timeout` for one answer and never retries: a retried
    Lambda Invoke would run a management command twice (issue 17, `shopbot invoke`)."""
    endpoint = endpoint_url or clients.settings.endpoint_url or None
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5,
                                    read_timeout=read_timeout, tcp_keepalive=True)
    return clients.session.client(service, region_name=clients.region, endpoint_url=endpoint,  # type: ignore[call-overload]
                                  config=config)


def error_code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn boto failures into one clear line: `doing` says what we were trying."""
    try:
        yield
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError) as error:
        raise AwsError(
            f"{doing}: no AWS credentials found (pass --profile or set AWS_PROFILE, "
            "or run `aws configure`/`aws sso login`)"
        ) from error
    except botocore.exceptions.NoRegionError as error:
        raise AwsError(f"{doing}: no AWS region (pass --region, set AWS_REGION, "
                       "or `region` in shopbot.toml)") from error
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as error:
        raise CliError(f"{doing}: cannot reach AWS at {getattr(error, 'kwargs', {}).get('endpoint_url', '?')}"
                       " (check the network or AWS_ENDPOINT_URL)") from error
    except botocore.exceptions.HTTPClientError as error:  # read timeouts, dropped connections
        kind = type(error).__name__
        raise CliError(f"{doing}: network error talking to AWS ({kind}); run the same command again") from error
    except botocore.exceptions.ClientError as error:
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message", "")
        if code in {"PreconditionFailed", "InvalidIfMatchVersion"}:
            raise ConflictError(f"{doing}: changed by someone else meanwhile ({code}); nothing was changed") from error
        hint = {
            "AccessDenied": "the caller lacks permission: check the IAM policy",
            "AccessDeniedException": "the caller lacks permission: check the IAM policy",
            "ExpiredToken": "credentials expired: log in again",
            "ExpiredTokenException": "credentials expired: log in again",
            "UnrecognizedClientException": "credentials are not valid for this account",
            "ThrottlingException": "AWS kept throttling after retries: try again shortly",
        }.get(code, message)
        raise AwsError(f"{doing}: {code} ({hint})") from error
