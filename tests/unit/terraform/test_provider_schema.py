"""deploy/**.tf checked against the AWS provider's real schema, offline (#21).

The schema is hashicorp/aws 6.25.0 as `@cdktf/provider-aws` 21.22.1 carries it (provider_schema.py);
.ci/run fetches it once into ~/.cache/shopbot/provider-schema/. Where it cannot be had, these tests
skip naming the file that is missing and the command that fetches it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from . import provider_schema
from .hcl import DEPLOY, FOLDERS, load
from .schema_check import findings


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    try:
        return provider_schema.load()
    except provider_schema.SchemaUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_block_matches_the_provider_schema(folder: str, schema: dict[str, Any]) -> None:
    assert findings(load(folder), schema) == []


def test_the_versions_files_name_the_provider_version_checked() -> None:
    for folder in FOLDERS:
        text = (DEPLOY / folder / "versions.tf").read_text()
        assert f"hashicorp/aws {provider_schema.PROVIDER_VERSION}" in text, folder
        assert f"{provider_schema.PACKAGE}@{provider_schema.PACKAGE_VERSION}" in text, folder
    readme = (DEPLOY.parent / "README.md").read_text()
    assert f"hashicorp/aws {provider_schema.PROVIDER_VERSION}" in readme


def test_the_schema_knows_what_the_provider_documents(schema: dict[str, Any]) -> None:
    """Facts from the provider's docs, so a reader that silently lost half the schema fails here."""
    assert schema["provider_version"] == "hashicorp/aws 6.25.0"
    function = schema["resource"]["aws_lambda_function"]
    assert set(function["required"]) == {"function_name", "role"}
    assert {"invoke_arn", "qualified_arn", "version", "arn"} <= set(function["attrs"])  # computed
    assert function["args"]["architectures"] == ["list", "stringList"]
    assert function["blocks"]["vpc_config"]["required"] == ["security_group_ids", "subnet_ids"]
    assert "vpc_id" in function["blocks"]["vpc_config"]["attrs"]  # computed, inside a block
    distribution = schema["resource"]["aws_cloudfront_distribution"]
    assert {"origin", "default_cache_behavior", "restrictions", "viewer_certificate", "enabled"} <= set(
        distribution["required"])
    behaviour = distribution["blocks"]["default_cache_behavior"]
    assert {"target_origin_id", "viewer_protocol_policy", "allowed_methods", "cached_methods"} <= set(
        behaviour["required"])
    assert "geo_restriction" in distribution["blocks"]["restrictions"]["blocks"]
    document = schema["data"]["aws_iam_policy_document"]
    assert {"json", "statement"} <= set(document["attrs"]) and "principals" in document["blocks"]["statement"][
        "blocks"]


# -- planted mistakes: the check must fail on each ------------------------------------------------------------

PLANTED = [
    pytest.param("lambda", "  memory_size                    = var.lambda_memory_size",
                 "  memory_sise                    = var.lambda_memory_size",
                 "aws_lambda_function.this.memory_sise: no such argument or block (did you mean `memory_size`?)",
                 id="misspelled-argument"),
    pytest.param("lambda", "  role                           = aws_iam_role.function.arn\n", "",
                 "aws_lambda_function.this: required argument `role` is not set", id="missing-required-argument"),
    pytest.param("edge", "      default_cache_behavior[0].target_origin_id,",
                 "      default_cache_behavior[0].origin_id,",
                 "ignore_changes: `default_cache_behavior[0].origin_id`: `origin_id` is not an attribute there",
                 id="wrong-ignore-changes-path"),
    pytest.param("lambda", "ignore_changes = [filename, source_code_hash, s3_bucket, s3_key]",
                 "ignore_changes = [filename, source_code_hash, s3_bucket, s3_keys]",
                 "`s3_keys`: `s3_keys` is not an attribute there (did you mean `s3_key`?)",
                 id="wrong-ignore-changes-top-level"),
    pytest.param("edge", "    target_origin_id           = var.active_origin\n    viewer_protocol_policy",
                 "    viewer_protocol_policy",
                 "aws_cloudfront_distribution.this.default_cache_behavior: required argument `target_origin_id`",
                 id="missing-required-in-nested-block"),
    pytest.param("edge", "      path_pattern               = ordered_cache_behavior.value",
                 "      path_patern                = ordered_cache_behavior.value",
                 ("dynamic.ordered_cache_behavior.path_patern: no such argument or block",
                  "dynamic.ordered_cache_behavior: required argument `path_pattern` is not set"),
                 id="misspelled-in-dynamic"),
    pytest.param("lambda", 'dynamic "snap_start" {', 'dynamic "snapstart" {',
                 "dynamic.snapstart: no such nested block (did you mean `snap_start`?)", id="misspelled-dynamic-block"),
    pytest.param("edge", 'origin_ssl_protocols     = ["TLSv1.2"]', 'origin_ssl_protocols     = "TLSv1.2"',
                 "custom_origin_config.origin_ssl_protocols: expects a list, got a string", id="string-for-a-list"),
    pytest.param("lambda", "  architectures                  = [var.lambda_architecture]",
                 "  architectures                  = var.lambda_architecture",
                 "aws_lambda_function.this.architectures: expects a list, got a string", id="string-var-for-a-list"),
    pytest.param("lambda", "    subnet_ids         = var.private_subnet_ids",
                 '    subnet_ids         = join(",", var.private_subnet_ids)',
                 "vpc_config.subnet_ids: expects a list, got a string", id="function-result-for-a-list"),
    pytest.param("lambda", "  publish                        = true", "  publish                        = 3",
                 "aws_lambda_function.this.publish: expects a bool, got 3", id="number-for-a-bool"),
    pytest.param("lambda", "  tracing_config {\n    mode = \"Active\"\n  }",
                 "  tracing_config = {\n    mode = \"Active\"\n  }",
                 "tracing_config: is a nested block, written as an argument", id="block-as-argument"),
    pytest.param("lambda", "function_version = aws_lambda_function.this.version",
                 "function_version = aws_lambda_function.this.latest_version",
                 "reference `aws_lambda_function.this.latest_version`: `latest_version` is not an attribute",
                 id="reference-to-missing-attribute"),
    pytest.param("edge", "data.aws_cloudfront_cache_policy.caching_disabled.id",
                 "data.aws_cloudfront_cache_policy.caching_disabled.policy_id",
                 "reference `data.aws_cloudfront_cache_policy.caching_disabled.policy_id`",
                 id="data-reference-to-missing-attribute"),
    pytest.param("edge", "  default_tags {", "  default_tag {",
                 "provider.aws.default_tag: no such argument or block (did you mean `default_tags`?)",
                 id="misspelled-provider-block"),
    pytest.param("lambda", "  function_name                  = local.function_name", "  function_name = null",
                 "aws_lambda_function.this: required argument `function_name` is set to null",
                 id="required-set-to-null"),
    pytest.param("ecs", 'resource "aws_ecs_cluster" "this"', 'resource "aws_ecs_clusters" "this"',
                 "no resource type `aws_ecs_clusters` in hashicorp/aws 6.25.0 (did you mean `aws_ecs_cluster`?)",
                 id="unknown-resource-type"),
    pytest.param("ecs", "      identifiers = [\"arn:${local.partition}:iam::${local.account_id}:root\"]",
                 "      identifier = [\"arn:${local.partition}:iam::${local.account_id}:root\"]",
                 ("statement.principals.identifier: no such argument or block (did you mean `identifiers`?)",
                  "statement.principals: required argument `identifiers` is not set"),
                 id="misspelled-in-data-source"),
]


@pytest.mark.parametrize(("folder", "before", "after", "expected"), PLANTED)
def test_a_planted_mistake_is_found(folder: str, before: str, after: str, expected: str | tuple[str, ...],
                                    tmp_path: Path, schema: dict[str, Any]) -> None:
    scratch = tmp_path / "deploy"
    shutil.copytree(DEPLOY / folder, scratch / folder)
    planted = False
    for path in sorted((scratch / folder).glob("*.tf")):
        text = path.read_text()
        if before in text and not planted:
            path.write_text(text.replace(before, after, 1))
            planted = True
    assert planted, f"deploy/{folder} no longer contains {before!r}: update this planted mistake"
    found = findings(load(folder, root=scratch), schema)
    wanted = (expected,) if isinstance(expected, str) else expected
    assert all(any(w in line for line in found) for w in wanted), found
    assert all(any(w in line for w in wanted) for line in found), f"nothing but the planted mistake: {found}"


# -- the reader never crashes on text it does not understand ---------------------------------------------------

SKELETON = """class AwsThing extends cdktf.TerraformResource {
    synthesizeHclAttributes() {
        const attrs = {
%s
        };
    }
}
AwsThing.tfResourceType = "aws_thing";
"""


@settings(max_examples=200, deadline=None)
@given(body=st.text(), dts=st.text())
def test_the_reader_never_crashes_on_a_module_it_does_not_understand(body: str, dts: str) -> None:
    found = provider_schema.extract_module(SKELETON % body, dts)
    if found is not None:  # None when the text ends the class early (a `}` at the start of a line)
        assert found[:2] == ("resource", "aws_thing")
        assert set(found[2]) == {"args", "required", "blocks", "attrs"}
    assert provider_schema.extract_module(SKELETON % "", "") is not None
    assert provider_schema.extract_module(body, dts) is None or "tfResourceType" in body


def test_a_missing_cache_says_what_is_missing_and_how_to_fetch_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_schema, "SCHEMA", tmp_path / "schema.json")
    monkeypatch.setattr(provider_schema, "TARBALL", tmp_path / "package.tgz")
    with pytest.raises(provider_schema.SchemaUnavailable) as raised:
        provider_schema.load()
    message = str(raised.value)
    assert str(tmp_path / "package.tgz") in message and "npm pack @cdktf/provider-aws@21.22.1" in message
    assert "python -m tests.unit.terraform.provider_schema" in message
