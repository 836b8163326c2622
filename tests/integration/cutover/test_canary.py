"""`--canary`, `--promote` and rollback-during-canary: request shapes through botocore's Stubber.

moto 5.2 lacks CopyDistribution, the continuous-deployment policy APIs and
UpdateDistributionWithStagingConfig, so CloudFront here is a Stubber, which validates
every request (and our canned responses) against the real CloudFront service model.
The ledger (S3), STS and the health/parity gates are real (moto + local origins).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.canary import run_canary, run_promote
from shopbot_cli.cutover.flow import run_cutover, run_rollback
from shopbot_cli.errors import CliError

from tests.integration.cutover.conftest import Stage
from tests.unit.cutover.sample import ALB, API
from tests.unit.cutover.sample import distribution_config as sample_config

PRIMARY, STAGING, POLICY = "EPRIMARY0001", "ESTAGING0001", "policy-0001"
STAGING_DOMAIN = "d222staging.cloudfront.net"


class StubbedCloudFront(AwsClients):
    """Real clients (moto) for everything but CloudFront, which is the Stubber's."""

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage.settings)
        self.cloudfront = botocore.session.get_session().create_client(
            "cloudfront", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.stub = Stubber(self.cloudfront)

    def client(self, service: str) -> Any:
        return self.cloudfront if service == "cloudfront" else super().client(service)


def distribution_config(**changes: Any) -> dict[str, Any]:
    """The sample with HTTP/3 off: CloudFront refuses continuous deployment with HTTP/3."""
    return {**sample_config(), "HttpVersion": "http2", **changes}


def _distribution(distribution_id: str, config: dict[str, Any], domain: str) -> dict[str, Any]:
    return {"Id": distribution_id, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{distribution_id}",
            "Status": "InProgress", "LastModifiedTime": datetime.now(UTC), "InProgressInvalidationBatches": 0,
            "DomainName": domain, "DistributionConfig": config}


def _moved(config: dict[str, Any]) -> dict[str, Any]:
    moved = copy.deepcopy(config)
    moved["DefaultCacheBehavior"]["TargetOriginId"] = API
    for item in moved["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == "/api/*":
            item["TargetOriginId"] = API
    return moved


@pytest.fixture
def canary_stage(stage: Stage) -> Stage:
    stage.settings = stage.settings.with_overrides(distribution_id=PRIMARY)
    return stage


def staging_config() -> dict[str, Any]:
    return {**copy.deepcopy(distribution_config()), "CallerReference": "staging-ref", "Staging": True}


def expect_cleanup(stub: Stubber) -> None:
    """Delete the policy (detached first), then disable, wait for and delete the staging copy."""
    policy = {"StagingDistributionDnsNames": {"Quantity": 1, "Items": [STAGING_DOMAIN]}, "Enabled": True,
              "TrafficConfig": {"Type": "SingleWeight", "SingleWeightConfig": {"Weight": 0.05}}}
    stub.add_response("get_continuous_deployment_policy_config",
                      {"ContinuousDeploymentPolicyConfig": policy, "ETag": "P9"}, {"Id": POLICY})
    stub.add_response("delete_continuous_deployment_policy", {}, {"Id": POLICY, "IfMatch": "P9"})
    staging = _moved(staging_config())
    disabled = {**staging, "Enabled": False}
    stub.add_response("get_distribution_config", {"DistributionConfig": staging, "ETag": "S7"}, {"Id": STAGING})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(STAGING, disabled, STAGING_DOMAIN), "ETag": "S8"},
                      {"Id": STAGING, "IfMatch": "S7", "DistributionConfig": disabled})
    stub.add_response("get_distribution", {"Distribution": {
        **_distribution(STAGING, disabled, STAGING_DOMAIN), "Status": "Deployed"}, "ETag": "S8"}, {"Id": STAGING})
    stub.add_response("get_distribution_config", {"DistributionConfig": disabled, "ETag": "S8"}, {"Id": STAGING})
    stub.add_response("delete_distribution", {}, {"Id": STAGING, "IfMatch": "S8"})


def _start_canary(stage: Stage, clients: StubbedCloudFront, **kwargs: Any) -> dict[str, Any]:
    expect_start(clients.stub)
    with clients.stub:
        result: dict[str, Any] = run_canary(stage.settings, "lambda", 5, clients=clients, ui=stage.ui,
                                            options=stage.options(), **kwargs)
        clients.stub.assert_no_pending_responses()
    return result


def expect_start(stub: Stubber, primary: dict[str, Any] | None = None) -> None:
    primary = primary or distribution_config()
    staging = staging_config()
    stub.add_response("get_distribution_config", {"DistributionConfig": primary, "ETag": "E1"}, {"Id": PRIMARY})
    stub.add_response("copy_distribution",
                      {"Distribution": _distribution(STAGING, staging, STAGING_DOMAIN), "ETag": "S1"},
                      {"PrimaryDistributionId": PRIMARY, "Staging": True, "IfMatch": "E1",
                       "CallerReference": ANY, "Enabled": True})
    stub.add_response("get_distribution",
                      {"Distribution": _distribution(STAGING, staging, STAGING_DOMAIN), "ETag": "S1"},
                      {"Id": STAGING})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(STAGING, _moved(staging), STAGING_DOMAIN), "ETag": "S2"},
                      {"Id": STAGING, "IfMatch": "S1", "DistributionConfig": _moved(staging)})
    policy_config = {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": [STAGING_DOMAIN]},
        "Enabled": True,
        "TrafficConfig": {"Type": "SingleWeight", "SingleWeightConfig": {
            "Weight": 0.05, "SessionStickinessConfig": {"IdleTTL": 300, "MaximumTTL": 300}}},
    }
    stub.add_response("create_continuous_deployment_policy",
                      {"ContinuousDeploymentPolicy": {"Id": POLICY, "LastModifiedTime": datetime.now(UTC),
                                                      "ContinuousDeploymentPolicyConfig": policy_config},
                       "ETag": "P1"},
                      {"ContinuousDeploymentPolicyConfig": policy_config})
    attached = {**primary, "ContinuousDeploymentPolicyId": POLICY}
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(PRIMARY, attached, "d111primary.cloudfront.net"),
                       "ETag": "E2"},
                      {"Id": PRIMARY, "IfMatch": "E1", "DistributionConfig": attached})


def test_canary_then_rollback_detaches_the_policy(canary_stage: Stage) -> None:
    clients = StubbedCloudFront(canary_stage)
    result = _start_canary(canary_stage, clients)
    assert result["changed"] and (result["staging_id"], result["policy_id"]) == (STAGING, POLICY)
    intent, outcome = canary_stage.ledger()
    assert intent["action"] == "canary" and intent["percent"] == 5 and intent["previous_config"]["Comment"]
    assert outcome["set_fields"] == {"ContinuousDeploymentPolicyId": POLICY}

    attached = {**distribution_config(), "ContinuousDeploymentPolicyId": POLICY}
    detached = {**distribution_config(), "ContinuousDeploymentPolicyId": ""}
    clients.stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"},
                              {"Id": PRIMARY})
    clients.stub.add_response(
        "update_distribution",
        {"Distribution": _distribution(PRIMARY, detached, "d111primary.cloudfront.net"), "ETag": "E3"},
        {"Id": PRIMARY, "IfMatch": "E2", "DistributionConfig": detached})
    expect_cleanup(clients.stub)
    with clients.stub:
        undone = run_rollback(canary_stage.settings, clients=clients, ui=canary_stage.ui,
                              options=canary_stage.options())
        clients.stub.assert_no_pending_responses()
    assert undone["changed"] and undone["undoes"] == intent["id"]
    assert [e["kind"] for e in canary_stage.ledger()[-3:]] == ["intent", "outcome", "canary-cleanup"]
    assert canary_stage.ledger()[-3]["set_fields"] == {"ContinuousDeploymentPolicyId": ""}
    assert canary_stage.ledger()[-1]["deleted"] == [f"policy {POLICY}", f"staging distribution {STAGING}"]

    clients.stub.add_response("get_distribution_config", {"DistributionConfig": detached, "ETag": "E3"},
                              {"Id": PRIMARY})
    with clients.stub:
        again = run_rollback(canary_stage.settings, clients=clients, ui=canary_stage.ui,
                             options=canary_stage.options())
    assert not again["changed"] and "nothing to roll back" in canary_stage.output()


def test_promote_sends_both_etags_and_rollback_restores_origins(canary_stage: Stage) -> None:
    clients = StubbedCloudFront(canary_stage)
    _start_canary(canary_stage, clients)
    attached = {**distribution_config(), "ContinuousDeploymentPolicyId": POLICY}
    staging = _moved({**distribution_config(), "CallerReference": "staging-ref", "Staging": True})
    promoted = _moved(attached)
    stub = clients.stub
    stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"}, {"Id": PRIMARY})
    stub.add_response("get_distribution_config", {"DistributionConfig": staging, "ETag": "S2"}, {"Id": STAGING})
    stub.add_response("update_distribution_with_staging_config",
                      {"Distribution": _distribution(PRIMARY, promoted, "d111primary.cloudfront.net"),
                       "ETag": "E3"},
                      {"Id": PRIMARY, "StagingDistributionId": STAGING, "IfMatch": "E2, S2"})
    detached = {**promoted, "ContinuousDeploymentPolicyId": ""}
    stub.add_response("get_distribution_config", {"DistributionConfig": promoted, "ETag": "E3"}, {"Id": PRIMARY})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(PRIMARY, detached, "d111primary.cloudfront.net"), "ETag": "E4"},
                      {"Id": PRIMARY, "IfMatch": "E3", "DistributionConfig": detached})
    expect_cleanup(stub)
    with stub:
        result = run_promote(canary_stage.settings, clients=clients, ui=canary_stage.ui,
                             options=canary_stage.options())
        stub.assert_no_pending_responses()
    assert result["changed"] and result["moves"]["default"] == {"from": ALB, "to": API}
    assert result["etag"] == "E4", "the policy is detached: the next cutover or canary can run"

    restored = {**distribution_config(), "ContinuousDeploymentPolicyId": ""}
    stub.add_response("get_distribution_config", {"DistributionConfig": detached, "ETag": "E4"}, {"Id": PRIMARY})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(PRIMARY, restored, "d111primary.cloudfront.net"),
                       "ETag": "E5"},
                      {"Id": PRIMARY, "IfMatch": "E4", "DistributionConfig": restored})
    with stub:
        undone = run_rollback(canary_stage.settings, clients=clients, ui=canary_stage.ui,
                              options=canary_stage.options())
        stub.assert_no_pending_responses()
    assert undone["moves"] == {"default": {"from": API, "to": ALB}, "/api/*": {"from": API, "to": ALB}}


def test_a_second_canary_a_plain_cutover_or_a_promote_without_one_is_refused(canary_stage: Stage) -> None:
    clients = StubbedCloudFront(canary_stage)
    attached = {**distribution_config(), "ContinuousDeploymentPolicyId": POLICY}
    clients.stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"})
    with clients.stub, pytest.raises(CliError, match="a canary is already running"):
        run_canary(canary_stage.settings, "lambda", 10, clients=clients, ui=canary_stage.ui,
                   options=canary_stage.options())
    clients.stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"})
    with clients.stub, pytest.raises(CliError, match=r"a canary is running .* --promote"):
        run_cutover(canary_stage.settings, "lambda", clients=clients, ui=canary_stage.ui,
                    options=canary_stage.options())
    clients.stub.add_response("get_distribution_config",
                              {"DistributionConfig": distribution_config(), "ETag": "E1"})
    with clients.stub, pytest.raises(CliError, match="no canary is running"):
        run_promote(canary_stage.settings, clients=clients, ui=canary_stage.ui, options=canary_stage.options())
    assert canary_stage.ledger() == []


def test_a_plain_cutover_sends_back_function_associations_untouched(canary_stage: Stage) -> None:
    """moto drops FunctionAssociations on create; against the real model they must ride along."""
    clients = StubbedCloudFront(canary_stage)
    primary = distribution_config()
    assert primary["DefaultCacheBehavior"]["FunctionAssociations"]["Quantity"] == 1
    clients.stub.add_response("get_distribution_config", {"DistributionConfig": primary, "ETag": "E1"},
                              {"Id": PRIMARY})
    clients.stub.add_response(
        "update_distribution",
        {"Distribution": _distribution(PRIMARY, _moved(primary), "d111primary.cloudfront.net"), "ETag": "E2"},
        {"Id": PRIMARY, "IfMatch": "E1", "DistributionConfig": _moved(primary)})
    with clients.stub:
        result = run_cutover(canary_stage.settings, "lambda", clients=clients, ui=canary_stage.ui,
                             options=canary_stage.options())
        clients.stub.assert_no_pending_responses()
    assert result["changed"] and result["etag"] == "E2"
