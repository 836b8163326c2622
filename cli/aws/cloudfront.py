"""CloudFront calls the cutover needs, each one line of intent and one clear error.

The client is passed in (built by `AwsClients`), so tests point it at moto or wrap it in a
botocore Stubber. Every write carries the ETag it was planned against (`IfMatch`): a
concurrent change answers `PreconditionFailed`, which `aws_errors` turns into a
`ConflictError` (exit 5) and nothing is changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..errors import CliError, ConfigError, ExitStatus
from ..ui import UI
from . import aws_errors, error_code

DEPLOYED = "Deployed"


@dataclass(frozen=True)
class DistributionState:
    """What `GetDistribution` says: the status and the domain the edge answers on."""

    status: str
    domain_name: str
    config: dict[str, Any]
    etag: str


def _unknown_distribution(distribution_id: str, error: Exception) -> None:
    cause = error.__cause__
    if isinstance(cause, botocore.exceptions.ClientError) and error_code(cause) == "NoSuchDistribution":
        raise ConfigError(
            f"CloudFront distribution '{distribution_id}' does not exist in this account: "
            "check `distribution_id` in shopbot.toml"
        ) from error


def get_config(cloudfront: Any, distribution_id: str) -> tuple[dict[str, Any], str]:
    """The whole config and its ETag (the only read a cutover plan makes)."""
    try:
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            response = cloudfront.get_distribution_config(Id=distribution_id)
    except CliError as error:
        _unknown_distribution(distribution_id, error)
        raise
    return dict(response["DistributionConfig"]), str(response["ETag"])


def get_state(cloudfront: Any, distribution_id: str) -> DistributionState:
    """Status, domain, config and ETag in one call (for `status` and the deploy wait)."""
    try:
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            response = cloudfront.get_distribution(Id=distribution_id)
    except CliError as error:
        _unknown_distribution(distribution_id, error)
        raise
    distribution = response["Distribution"]
    return DistributionState(
        status=str(distribution["Status"]),
        domain_name=str(distribution["DomainName"]),
        config=dict(distribution["DistributionConfig"]),
        etag=str(response["ETag"]),
    )


def update_config(cloudfront: Any, distribution_id: str, config: dict[str, Any], etag: str) -> str:
    """Send the WHOLE config back with `IfMatch`; returns the new ETag."""
    with aws_errors(f"updating CloudFront distribution {distribution_id}"):
        response = cloudfront.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=config)
    return str(response["ETag"])


def wait_deployed(
    cloudfront: Any,
    distribution_id: str,
    ui: UI,
    *,
    timeout: float,
    poll: float = 15.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Poll until `Deployed` (seconds waited); on timeout say where things stand."""
    started = clock()
    with ui.progress(f"waiting for {distribution_id} to deploy") as progress:
        while True:
            state = get_state(cloudfront, distribution_id)
            waited = clock() - started
            if state.status == DEPLOYED:
                return waited
            if waited >= timeout:
                raise CliError(
                    f"distribution {distribution_id} is still {state.status} after {waited:.0f} s: the change "
                    "is saved and CloudFront is still propagating it; run `shopbot status` to follow it",
                    ExitStatus.UNVERIFIED,
                )
            progress.update(progress.task_ids[0], description=f"{distribution_id}: {state.status} ({waited:.0f} s)")
            sleep(min(poll, max(timeout - waited, 0.0)))


# Continuous deployment (canary). moto lacks these APIs; tests check the request shapes
# with botocore's Stubber, which validates every parameter against the service model.


def copy_to_staging(cloudfront: Any, primary_id: str, primary_etag: str, caller_reference: str) -> tuple[str, str]:
    """A staging copy of the primary; returns (staging id, staging ETag)."""
    with aws_errors(f"copying distribution {primary_id} to a staging distribution"):
        response = cloudfront.copy_distribution(
            PrimaryDistributionId=primary_id, Staging=True, IfMatch=primary_etag,
            CallerReference=caller_reference, Enabled=True,
        )
    return str(response["Distribution"]["Id"]), str(response["ETag"])


def create_weight_policy(cloudfront: Any, staging_domain: str, weight: float, stickiness_seconds: int) -> str:
    """A `SingleWeight` policy sending `weight` of viewers (sticky per session) to staging."""
    config = {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": [staging_domain]},
        "Enabled": True,
        "TrafficConfig": {
            "Type": "SingleWeight",
            "SingleWeightConfig": {
                "Weight": weight,
                "SessionStickinessConfig": {
                    "IdleTTL": stickiness_seconds, "MaximumTTL": stickiness_seconds,
                },
            },
        },
    }
    with aws_errors("creating the continuous-deployment policy"):
        response = cloudfront.create_continuous_deployment_policy(ContinuousDeploymentPolicyConfig=config)
    return str(response["ContinuousDeploymentPolicy"]["Id"])


def promote_staging(
    cloudfront: Any, primary_id: str, staging_id: str, primary_etag: str, staging_etag: str
) -> str:
    """Copy the staging config onto the primary; returns the primary's new ETag."""
    with aws_errors(f"promoting staging distribution {staging_id} onto {primary_id}"):
        response = cloudfront.update_distribution_with_staging_config(
            Id=primary_id, StagingDistributionId=staging_id, IfMatch=f"{primary_etag}, {staging_etag}"
        )
    return str(response["ETag"])


def get_policy(cloudfront: Any, policy_id: str) -> tuple[dict[str, Any], str]:
    """A continuous-deployment policy's config and ETag."""
    with aws_errors(f"reading continuous-deployment policy {policy_id}"):
        response = cloudfront.get_continuous_deployment_policy_config(Id=policy_id)
    return dict(response["ContinuousDeploymentPolicyConfig"]), str(response["ETag"])


def set_policy_weight(cloudfront: Any, policy_id: str, weight: float) -> str:
    """Send `weight` of viewers to staging (the rest of the policy unchanged); returns the new ETag."""
    config, etag = get_policy(cloudfront, policy_id)
    config["TrafficConfig"]["SingleWeightConfig"]["Weight"] = weight
    with aws_errors(f"changing the weight of policy {policy_id}"):
        response = cloudfront.update_continuous_deployment_policy(
            Id=policy_id, IfMatch=etag, ContinuousDeploymentPolicyConfig=config)
    return str(response["ETag"])


def delete_policy(cloudfront: Any, policy_id: str) -> None:
    """Delete a policy (it must be detached from the primary first)."""
    _, etag = get_policy(cloudfront, policy_id)
    with aws_errors(f"deleting continuous-deployment policy {policy_id}"):
        cloudfront.delete_continuous_deployment_policy(Id=policy_id, IfMatch=etag)


def delete_distribution(cloudfront: Any, distribution_id: str, ui: UI, *, timeout: float, poll: float) -> None:
    """Disable, wait until Deployed, delete (CloudFront deletes only disabled, deployed distributions)."""
    config, etag = get_config(cloudfront, distribution_id)
    if config.get("Enabled"):
        etag = update_config(cloudfront, distribution_id, {**config, "Enabled": False}, etag)
    wait_deployed(cloudfront, distribution_id, ui, timeout=timeout, poll=poll)
    _, etag = get_config(cloudfront, distribution_id)
    with aws_errors(f"deleting distribution {distribution_id}"):
        cloudfront.delete_distribution(Id=distribution_id, IfMatch=etag)
