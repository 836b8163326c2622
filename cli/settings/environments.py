"""Named environments from `shopbot.toml` (or `[tool.shopbot]` in pyproject.toml).

```toml
[environments.production]
region = "ap-south-1"
alb_url = "https://alb.example.com"
...
```

Each setting comes from the first of: a flag (`--region`), the environment
(`AWS_PROFILE`, `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`, or
`SHOPBOT_<NAME>` for any setting), the settings file, the default below - the AWS CLI's
order. `Settings.origins` says which one each value came from (`settings show` prints it).
`--env NAME` (else `SHOPBOT_ENV`, else the file's `default_env`, else `local`) picks the
environment. The model is this dataclass, one line per field: a new field needs only its
line, because its type hint IS its validation (`layers.py` checks every layer with
pydantic against these hints; `Url`, `FilePath`, `Seconds`, `Between` add URL, relative
path and range checks). pydantic is imported only when settings are read.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

from ..errors import ConfigError

SETTINGS_FILE = "shopbot.toml"
DEFAULT_ENV = "local"
DEFAULTS = "(defaults)"


class FileRelative:
    """Marks a path setting: a relative value in the settings file is read from the file's folder."""


class HttpUrl:
    """Marks a URL setting: it must be http(s)://host[...]."""


@dataclass(frozen=True)
class Between:
    """Bounds of a number setting, inclusive (checked by layers.py)."""

    low: float | None = None
    high: float | None = None


FilePath = Annotated[str, FileRelative()]
Url = Annotated[str, HttpUrl()]
Seconds = Annotated[int, Between(low=0)]


@dataclass(frozen=True)
class Settings:
    """One environment's settings. Every field is optional until a command needs it."""

    name: str = DEFAULT_ENV
    source: str = DEFAULTS  # DEFAULTS, or the settings file's path
    # Where each value came from: "file <path>", "env AWS_REGION", "flag --region"; absent = default.
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # AWS
    region: str | None = None
    profile: str | None = None
    endpoint_url: Url | None = None          # a local AWS (moto) for tests and the demo
    # The two targets and the edge
    alb_url: Url | None = None
    api_url: Url | None = None
    edge_url: Url | None = None
    health_path: str = "/health"
    # CloudFront
    distribution_id: str | None = None
    alb_origin_id: str | None = None
    api_origin_id: str | None = None
    behaviors: list[str] = field(default_factory=lambda: ["default"])
    verify_threshold: Annotated[float, Between(0, 1)] = 0.95
    deploy_timeout_seconds: Seconds = 1200
    # Gates
    parity_report: FilePath | None = None
    parity_max_age_seconds: Seconds = 86_400
    # Shared record of every change: s3://bucket/key
    ledger: str | None = None
    # Secrets Manager
    secret_name: str = "flean-services/shopbot"
    required_secret_keys: list[str] = field(default_factory=lambda: ["ANTHROPIC_API_KEY"])
    kms_key_id: str | None = None
    secret_tags: dict[str, str] = field(default_factory=dict)
    # Lambda and ECS
    lambda_function: str | None = None
    lambda_alias: str = "live"
    artifact_bucket: str | None = None
    ecs_cluster: str | None = None
    ecs_service: str | None = None
    ecr_repository: str | None = None
    # issue 13: parity-check noise statistics, sample gate and report masking
    parity_noise_relative: float = 0.2       # a field is noise unless its cross-side rate beats the within-side
    parity_noise_absolute: float = 0.02      # rate by more than this share of it AND these points
    parity_min_field_samples: int = 3        # samples a field needs before it may be called noise
    parity_min_route_requests: int = 1       # requests every replayed route needs for `passed`
    parity_mask_names: list[str] = field(default_factory=list)  # extra query/header/body names to mask
    # issue 14: cutover safety nets (the watch's limits, named alarms, the ledger lease)
    watch_lag_seconds: int = 180
    watch_min_requests: int = 20
    watch_max_error_rate: float = 0.01
    watch_max_5xx_excess: float = 0.01
    watch_p99_ratio: float = 1.5
    watch_p99_slack_ms: float = 100.0
    watch_max_throttles: int = 0
    watch_consecutive_breaches: int = 1
    watch_max_inconclusive_share: float = 0.5
    watch_alarms: list[str] = field(default_factory=list)
    lease_seconds: int = 900
    # Cost and capacity (issue 18: `shopbot cost`, the cutover's `capacity` gate)
    ecs_task_vcpu: float | None = None             # Fargate task size
    ecs_task_memory_gb: float | None = None
    ecs_tasks_min: int | None = None               # desired count, or the autoscaling minimum
    ecs_tasks_max: int | None = None               # autoscaling maximum (unset: no cap)
    ecs_task_concurrency: int = 8                  # requests one task serves at once (workers x threads)
    ecs_architecture: str = "x86_64"
    ecs_nat_gateways: int | None = None            # NAT gateways the ECS side pays for (0: public IPs)
    lambda_memory_mb: int | None = None
    lambda_architecture: str = "x86_64"
    lambda_nat_gateways: int | None = None         # NAT gateways the Lambda side needs (VPC -> internet)
    cost_cpu_fraction: float = 0.2                 # share of a request's time that is CPU-bound (estimate)
    cost_upstream_bytes_per_request: float | None = None   # bytes through NAT per request (unset: estimated)
    cost_log_bytes_per_request: float = 400.0      # app log bytes per request
    traffic_logs: str | None = None                # ALB access logs (file or folder) the capacity gate reads
    lambda_concurrency_limit: int | None = None    # only where GetAccountSettings cannot be called
    redis_maxclients: int | None = None            # else read with CONFIG GET from $REDIS_URL
    api_gateway_id: str | None = None              # else taken from api_url (https://ID.execute-api...)
    # issue 17 (day 2: logs, invoke, secrets that reach running targets)
    lambda_log_group: str | None = None      # default /aws/lambda/<lambda_function>
    ecs_log_group: str | None = None         # default: the service task definition's awslogs-group
    lambda_provisioned_concurrency: int = 0  # > 0: deploy waits for READY; cost prices it
    # Live shadowing (issue 15): where the ECS service writes shadow pairs (file:///dir or s3://bucket/prefix)
    shadow_sink: str | None = None

    def with_overrides(self, **overrides: Any) -> Settings:
        """Flags win over the file; a flag left unset (None) keeps the file's value."""
        from .layers import check_values

        given = {key: value for key, value in overrides.items() if value is not None}
        unknown = set(given) - set(setting_names())
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        checked = check_values(given, "flag", strict=False)
        origins = {**self.origins, **dict.fromkeys(checked, "flag")}
        return dataclasses.replace(self, **checked, origins=origins)

    def origin(self, name: str) -> str:
        """Where setting `name` came from, for messages ("env AWS_PROFILE", "default", ...)."""
        return self.origins.get(name, "default")

    def require(self, *names: str) -> None:
        """Stop with one line naming every setting this command needs but lacks."""
        missing = [name for name in names if getattr(self, name) in (None, "", [])]
        if missing:
            listed = ", ".join(f"`{name}`" for name in missing)
            where = SETTINGS_FILE if self.source == DEFAULTS else self.source
            found = "" if self.source != DEFAULTS else f" (no {SETTINGS_FILE} was found: create one)"
            variables = ", ".join(variables_for(name)[0] for name in missing)
            raise ConfigError(
                f"environment '{self.name}' has no {listed}: set {'it' if len(missing) == 1 else 'them'} under "
                f"[environments.{self.name}] in {where}{found}, or set {variables}"
            )


META = ("name", "source", "origins")
# Other spellings a settings file may use for a setting (CloudFront's API says "behaviors").
ALIASES = {"behaviours": "behaviors"}
# The AWS settings read the variables boto3 and the AWS CLI read; every other setting SHOPBOT_<NAME>.
AWS_VARIABLES = {
    "profile": ("AWS_PROFILE",),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "endpoint_url": ("AWS_ENDPOINT_URL",),
}


def variables_for(name: str) -> tuple[str, ...]:
    """The environment variables that set `name`, the first one set wins."""
    return AWS_VARIABLES.get(name, (f"SHOPBOT_{name.upper()}",))


def setting_names() -> list[str]:
    """Every setting a file, variable or flag may set (not the bookkeeping fields)."""
    return [f.name for f in fields(Settings) if f.name not in META]


def find_settings_file(start: Path | None = None) -> Path | None:
    """`SHOPBOT_CONFIG`, else shopbot.toml or a pyproject.toml with [tool.shopbot] upwards."""
    explicit = os.environ.get("SHOPBOT_CONFIG")
    if explicit:
        return Path(explicit)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / SETTINGS_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.shopbot" in pyproject.read_text(errors="replace"):
            return pyproject
    return None


def load_settings(
    env: str | None = None,
    path: Path | None = None,
    overrides: Mapping[str, tuple[Any, str]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Environment `env`'s settings: flags > variables > the file at `path` (or found) > defaults.

    `overrides` maps a setting to (value, where it came from: "flag --region"); `environ`
    defaults to the process environment.
    """
    from .layers import resolve

    return resolve(env, path, overrides or {}, os.environ if environ is None else environ)
