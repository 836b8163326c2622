"""Small read-only API Gateway (HTTP API) lookups: a stage's throttling settings."""

from __future__ import annotations

from typing import Any

from . import aws_errors


def stage_throttling(client: Any, api_id: str, stage: str = "$default") -> tuple[float | None, int | None]:
    """GetStage: (steady rate limit, burst limit) of the stage's default route; None where unset."""
    with aws_errors(f"reading API Gateway {api_id} stage {stage} (GetStage)"):
        settings = client.get_stage(ApiId=api_id, StageName=stage).get("DefaultRouteSettings") or {}
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    return (None if rate is None else float(rate)), (None if burst is None else int(burst))
