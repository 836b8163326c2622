"""The Terraform under deploy/: formatted, parseable, internally consistent, and saying
what the issue asks of each target and the edge (checked offline: providers cannot be
downloaded here, so `terraform validate` cannot run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import fields

import pytest
from shopbot_cli.settings.environments import Settings

from shopbot.config import get_config

from .hcl import DEPLOY, FOLDERS, Module, load, tfvars, unquote

MODULES = {folder: load(folder) for folder in FOLDERS}


def test_terraform_fmt_is_clean() -> None:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("no `terraform` binary on PATH: `terraform fmt -check` needs one (any 1.5+ works offline)")
    result = subprocess.run([binary, "fmt", "-check", "-recursive", "-list=true", str(DEPLOY)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"run `terraform fmt -recursive deploy/` to fix: {result.stdout}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_folder_has_its_files(folder: str) -> None:
    for name in ("versions.tf", "variables.tf", "main.tf", "outputs.tf", "terraform.tfvars.example"):
        assert (DEPLOY / folder / name).is_file(), f"deploy/{folder}/{name} missing"


@pytest.mark.parametrize("folder", FOLDERS)
def test_references_resolve(folder: str) -> None:
    module = MODULES[folder]
    refs = module.all_refs()
    assert refs.variables - set(module.variables) == set(), "var.X used but not declared"
    assert refs.locals - set(module.locals) == set(), "local.X used but not defined"
    assert refs.resources - set(module.resources) == set(), "resource referenced but not defined"
    assert refs.data - set(module.data) == set(), "data source referenced but not defined"


@pytest.mark.parametrize("folder", FOLDERS)
def test_nothing_declared_is_dead(folder: str) -> None:
    module = MODULES[folder]
    refs = module.all_refs()
    assert set(module.variables) - refs.variables == set(), "variables declared but never used"
    assert set(module.locals) - refs.locals == set(), "locals defined but never used"


@pytest.mark.parametrize("folder", FOLDERS)
def test_outputs_refer_to_defined_things(folder: str) -> None:
    module = MODULES[folder]
    for name, output in module.outputs.items():
        refs = module.refs(output["value"])
        assert refs.variables | refs.locals | refs.resources | refs.data, f"output {name} refers to nothing"
        assert refs.resources <= set(module.resources) and refs.data <= set(module.data), name
        assert refs.variables <= set(module.variables) and refs.locals <= set(module.locals), name
        assert unquote(output.get("description", "")), f"output {name} has no description"


@pytest.mark.parametrize("folder", FOLDERS)
def test_variables_are_described_typed_and_validated(folder: str) -> None:
    for name, variable in MODULES[folder].variables.items():
        assert len(unquote(variable.get("description", ""))) > 10, f"{name}: no description"
        assert "type" in variable, f"{name}: no type"
        if variable["type"] != "bool":
            assert variable.get("validation"), f"{name}: no validation block"


@pytest.mark.parametrize("folder", FOLDERS)
def test_tfvars_example_sets_every_required_variable_and_nothing_unknown(folder: str) -> None:
    module, example = MODULES[folder], tfvars(folder)
    required = {name for name, variable in module.variables.items() if "default" not in variable}
    assert required - set(example) == set(), "required variables missing from terraform.tfvars.example"
    assert set(example) - set(module.variables) == set(), "terraform.tfvars.example sets undeclared variables"


def test_settings_outputs_are_shopbot_settings() -> None:
    """`shopbot settings import-terraform` reads `shopbot_settings`: its keys must be Settings fields,
    and the three folders together must fill what deploy and cutover need."""
    known = {f.name for f in fields(Settings)}
    filled: set[str] = set()
    for folder, module in MODULES.items():
        value = module.outputs["shopbot_settings"]["value"]
        keys = set(value) if isinstance(value, dict) else set(re.findall(r"(\w+)\s*=", str(value)))
        assert keys - known == set(), f"{folder}: shopbot_settings keys that are not settings"
        filled |= keys
        assert "environment" in module.outputs, f"{folder}: no `environment` output"
    needed = {"region", "api_url", "alb_url", "edge_url", "distribution_id", "alb_origin_id", "api_origin_id",
              "behaviors", "lambda_function", "lambda_alias", "ecs_cluster", "ecs_service", "secret_name"}
    assert needed - filled == set()


# --- what the issue asks of each folder ---------------------------------------------------


def test_lambda_function_alias_and_api() -> None:
    module = MODULES["lambda"]
    function = module.resource("aws_lambda_function", "this")
    assert unquote(function["runtime"]) == "python3.12" and function["publish"] is True
    assert function["memory_size"] == "${var.lambda_memory_size}" and function["timeout"] == "${var.lambda_timeout}"
    assert function["architectures"] == ["${var.lambda_architecture}"]
    env = function["environment"][0]["variables"]
    for name in ("FLASK_ENV", "APP_ENV", "REDIS_HOST", "REDIS_PORT", "LOG_LEVEL", "SECRETS_MANAGER_SECRET"):
        assert name in env, name
    assert unquote(env["FLASK_ENV"]) == unquote(env["APP_ENV"]) == "lambda"
    assert function["vpc_config"][0]["security_group_ids"] == ["${aws_security_group.function.id}"]
    snap_start = function["dynamic"][0]['"snap_start"']
    assert unquote(snap_start["content"][0]["apply_on"]) == "PublishedVersions"
    assert unquote(module.resource("aws_lambda_alias", "live")["name"]) == "live"

    integration = module.resource("aws_apigatewayv2_integration", "lambda")
    assert unquote(integration["integration_type"]) == "AWS_PROXY"
    assert unquote(integration["payload_format_version"]) == "2.0"
    assert integration["integration_uri"] == "${aws_lambda_alias.live.arn}"  # the alias, so deploys take effect
    assert unquote(module.resource("aws_apigatewayv2_route", "default")["route_key"]) == "$default"
    stage = module.resource("aws_apigatewayv2_stage", "default")
    assert stage["auto_deploy"] is True and stage["access_log_settings"] and stage["default_route_settings"]
    assert module.resource("aws_apigatewayv2_api", "this")["cors_configuration"]
    permission = module.resource("aws_lambda_permission", "api")
    assert permission["qualifier"] == "${aws_lambda_alias.live.name}"


def test_lambda_reads_only_its_secret_and_egress_is_as_the_seed_lists() -> None:
    module = MODULES["lambda"]
    secret_statement = module.data["aws_iam_policy_document.read_secret"]["statement"][0]
    assert secret_statement["resources"] == ["${var.secrets_manager_secret_arn}"]
    assert [unquote(a) for a in secret_statement["actions"]] == [
        "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    attached = {unquote(body["policy_arn"]).rsplit("/", 1)[-1] for key, body in module.resources.items()
                if key.startswith("aws_iam_role_policy_attachment.")}
    assert {"AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"} <= attached
    egress = [body for key, body in module.resources.items() if key.startswith("aws_vpc_security_group_egress_rule.")]
    assert sorted(str(rule["from_port"]) for rule in egress) == ["${var.redis_port}", "443", "80"]
    redis = module.resource("aws_vpc_security_group_egress_rule", "redis")
    assert redis["referenced_security_group_id"] == "${each.value}"
    assert not [k for k in module.resources if k.startswith("aws_vpc_security_group_ingress_rule.")
                and module.resources[k]["security_group_id"] == "${aws_security_group.function.id}"]
    for name in ("function", "api"):
        group = module.resource("aws_cloudwatch_log_group", name)
        assert group["retention_in_days"] == "${var.log_retention_days}"


def test_ecs_task_service_and_load_balancer() -> None:
    module = MODULES["ecs"]
    task = module.resource("aws_ecs_task_definition", "service")
    assert [unquote(c) for c in task["requires_compatibilities"]] == ["FARGATE"]
    containers = task["container_definitions"]
    assert 'valueFrom = "${var.secrets_manager_secret_arn}:${key}::"' in containers
    assert "for key in var.secret_keys" in containers
    assert "healthCheck" in containers and 'logDriver = "awslogs"' in containers
    service = module.resource("aws_ecs_service", "this")
    breaker = service["deployment_circuit_breaker"][0]
    assert breaker["enable"] is True and breaker["rollback"] is True
    assert service["load_balancer"][0]["target_group_arn"] == "${aws_lb_target_group.service.arn}"
    health = module.resource("aws_lb_target_group", "service")["health_check"][0]
    assert unquote(health["path"]) == "/health"
    listener = module.resource("aws_lb_listener", "https")
    assert unquote(listener["protocol"]) == "HTTPS"
    assert {"aws_iam_role.execution", "aws_iam_role.task", "aws_security_group.alb",
            "aws_security_group.tasks", "aws_ecs_cluster.this"} <= set(module.resources)
    read = module.data["aws_iam_policy_document.read_secret"]["statement"][0]
    assert read["resources"] == ["${var.secrets_manager_secret_arn}"]


def test_ecs_container_environment_is_one_the_service_starts_with() -> None:
    """The task's APP_ENV/FLASK_ENV must name a config the service accepts: `ecs` once stopped every task."""
    containers = MODULES["ecs"].resource("aws_ecs_task_definition", "service")["container_definitions"]
    chosen = dict(re.findall(r'name = "(APP_ENV|FLASK_ENV)", value = "([^"]*)"', containers))
    assert set(chosen) == {"APP_ENV", "FLASK_ENV"}
    assert chosen["APP_ENV"] == "production"
    for name in chosen.values():
        assert get_config(name, {}).name == name  # raises ConfigError for a name the service refuses


def test_edge_has_both_origins_uncached_and_keeps_host_from_api_gateway() -> None:
    module = MODULES["edge"]
    distribution = module.resource("aws_cloudfront_distribution", "this")
    origin_ids = {module.locals[unquote(o["origin_id"])[len("${local."):-1]] for o in distribution["origin"]}
    assert {unquote(o) for o in origin_ids} == {"alb", "apigw"}
    assert unquote(module.data["aws_cloudfront_cache_policy.caching_disabled"]["name"]) == "Managed-CachingDisabled"
    policy = module.data["aws_cloudfront_origin_request_policy.all_viewer_except_host"]
    assert unquote(policy["name"]) == "Managed-AllViewerExceptHostHeader"
    behaviours = [distribution["default_cache_behavior"][0],
                  distribution["dynamic"][0]['"ordered_cache_behavior"']["content"][0]]
    for behaviour in behaviours:
        assert behaviour["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.caching_disabled.id}"
        assert behaviour["origin_request_policy_id"] == (
            "${data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id}")
        assert unquote(behaviour["viewer_protocol_policy"]) == "redirect-to-https"
    assert unquote(distribution["viewer_certificate"][0]["minimum_protocol_version"]) == "TLSv1.2_2021"
    for output in ("distribution_id", "alb_origin_id", "api_origin_id", "edge_url"):
        assert output in module.outputs


# --- security (offline rules; checkov below when installed) ---------------------------------


def _all_resources(kind: str) -> list[tuple[str, Module, dict[str, object]]]:
    return [(key, module, body) for module in MODULES.values() for key, body in module.resources.items()
            if key.startswith(f"{kind}.")]


def test_no_open_ingress_and_logs_encrypted() -> None:
    for key, _, rule in _all_resources("aws_vpc_security_group_ingress_rule"):
        assert "0.0.0.0/0" not in str(rule) and "::/0" not in str(rule), f"{key} opens ingress to the internet"
    for key, _, group in _all_resources("aws_cloudwatch_log_group"):
        assert group.get("kms_key_id"), f"{key} is not encrypted with a customer key"
    for key, _, kms_key in _all_resources("aws_kms_key"):
        assert kms_key.get("enable_key_rotation") is True, f"{key} does not rotate"


def test_no_wildcard_actions_outside_key_policies() -> None:
    for module in MODULES.values():
        for key, document in module.data.items():
            if not key.startswith("aws_iam_policy_document.") or key.endswith("_key"):
                continue
            for statement in document.get("statement", []):
                actions = [unquote(a) for a in statement.get("actions", [])]
                assert "*" not in actions and not any(a.endswith(":*") for a in actions), key


def test_every_checkov_skip_carries_a_reason() -> None:
    skips = [(folder, line.strip()) for folder, module in MODULES.items() for text in module.raw.values()
             for line in text.splitlines() if "checkov:skip=" in line]
    assert skips, "expected the documented skips"
    for folder, line in skips:
        assert re.fullmatch(r"#checkov:skip=CKV2?_AWS_\d+:.{20,}", line), f"deploy/{folder}: {line}"


def test_checkov_finds_no_failed_check() -> None:
    binary = os.environ.get("SHOPBOT_CHECKOV") or shutil.which("checkov")
    if not binary:
        pytest.skip("checkov not installed: `python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install "
                    "checkov`, then set SHOPBOT_CHECKOV=/tmp/checkov-venv/bin/checkov")
    result = subprocess.run(
        [binary, "-d", str(DEPLOY), "--skip-download", "--framework", "terraform", "--compact", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert "Failed checks: 0" in result.stdout or (result.returncode == 0 and not result.stdout.strip()), (
        result.stdout[-3000:] + result.stderr[-2000:])
    assert result.returncode == 0, result.stdout[-3000:]


def test_provisioned_concurrency_and_warm_up_schedule_are_on_the_alias_and_priced() -> None:
    from shopbot.lambda_handler import WARMUP_EVENT

    module = MODULES["lambda"]
    concurrency = module.resource("aws_lambda_provisioned_concurrency_config", "live")
    assert concurrency["qualifier"] == "${aws_lambda_alias.live.name}"
    assert concurrency["count"] == "${var.provisioned_concurrency > 0 ? 1 : 0}"  # off by default
    target = module.resource("aws_cloudwatch_event_target", "warmup")
    assert target["arn"] == "${aws_lambda_alias.live.arn}"
    assert target["input"] == "${jsonencode({warmup = true})}"
    assert WARMUP_EVENT == {"warmup": True}  # exactly what the handler answers as a warm-up
    assert module.resource("aws_lambda_permission", "warmup")["qualifier"] == "${aws_lambda_alias.live.name}"
    for name in ("provisioned_concurrency", "warmup_schedule"):
        description = unquote(module.variables[name]["description"])
        assert "Cost:" in description and "USD" in description, name
        assert unquote(module.variables[name]["default"]) in (0, ""), f"{name} must be off unless asked for"
