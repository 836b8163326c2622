"""Read the policy documents attached to an IAM role (inline and managed), nothing else."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from . import aws_errors


def role_policy_documents(client: Any, role_name: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, document) for every inline and attached managed policy of `role_name`."""
    documents: list[tuple[str, dict[str, Any]]] = []
    with aws_errors(f"reading the policies of IAM role {role_name}"):
        for page in client.get_paginator("list_role_policies").paginate(RoleName=role_name):
            for name in page.get("PolicyNames", []):
                document = client.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
                documents.append((f"inline policy {name}", _decoded(document)))
        for page in client.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
            for attached in page.get("AttachedPolicies", []):
                arn = attached["PolicyArn"]
                version = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                document = client.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
                documents.append((f"managed policy {attached['PolicyName']}", _decoded(document)))
    return documents


def _decoded(document: Any) -> dict[str, Any]:
    """IAM returns documents URL-encoded; boto3 usually decodes them already."""
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    return dict(document)
