"""Named environments from `shopbot.toml` (or `[tool.shopbot]` in pyproject.toml).

```toml
[environments.production]
region = "ap-south-1"
alb_url = "https://alb.example.com"
...
```

Flags override the file; `--env NAME` picks the environment (default: `local`, or
`default_env` at the top of the file). Every problem names the file, the key and what is
wrong, because that is what a person needs to fix it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from ..errors import ConfigError

SETTINGS_FILE = "shopbot.toml"
DEFAULT_ENV = "local"
DEFAULTS = "(defaults)"


@dataclass(frozen=True)
class Settings:
    """One environment's settings. Every field is optional until a command needs it."""

    name: str = DEFAULT_ENV
    source: str = "(defaults)"  # DEFAULTS, or the settings file's path
    # AWS
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None          # a local AWS (moto) for tests and the demo
    # The two targets and the edge
    alb_url: str | None = None
    api_url: str | None = None
    edge_url: str | None = None
    health_path: str = "/health"
    # CloudFront
    distribution_id: str | None = None
    alb_origin_id: str | None = None
    api_origin_id: str | None = None
    behaviors: list[str] = field(default_factory=lambda: ["default"])
    verify_threshold: float = 0.95
    deploy_timeout_seconds: int = 1200
    # Gates
    parity_report: str | None = None
    parity_max_age_seconds: int = 86_400
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
    # Live shadowing (issue 15): where the ECS service writes shadow pairs (file:///dir or s3://bucket/prefix)
    shadow_sink: str | None = None

    def with_overrides(self, **overrides: Any) -> Settings:
        """Flags win over the file; a flag left unset (None) keeps the file's value."""
        given = {key: value for key, value in overrides.items() if value is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        return dataclasses.replace(self, **given)

    def require(self, *names: str) -> None:
        """Stop with one line naming every setting this command needs but lacks."""
        missing = [name for name in names if getattr(self, name) in (None, "", [])]
        if missing:
            listed = ", ".join(f"`{name}`" for name in missing)
            where = SETTINGS_FILE if self.source == DEFAULTS else self.source
            found = "" if self.source != DEFAULTS else f" (no {SETTINGS_FILE} was found: create one)"
            raise ConfigError(
                f"environment '{self.name}' has no {listed}: set them under "
                f"[environments.{self.name}] in {where}{found}"
            )


_TYPES = get_type_hints(Settings)


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


def load_settings(env: str | None = None, path: Path | None = None) -> Settings:
    """The settings of environment `env` (or the file's default) from `path` (or found)."""
    path = path or find_settings_file()
    if path is None:
        if env not in (None, DEFAULT_ENV):
            raise ConfigError(
                f"unknown environment '{env}': no {SETTINGS_FILE} found "
                f"(create one, or set SHOPBOT_CONFIG to its path)"
            )
        return Settings()
    document = _read_toml(path)
    environments = document.get("environments")
    if not isinstance(environments, dict):
        raise ConfigError(f"{path}: missing table [environments.<name>] (e.g. [environments.local])")
    name = env or document.get("default_env") or DEFAULT_ENV
    if name not in environments:
        known = ", ".join(sorted(environments)) or "none"
        raise ConfigError(f"{path}: unknown environment '{name}' (known: {known})")
    values = environments[name]
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: environments.{name} must be a table")
    return Settings(name=name, source=str(path), **_checked(values, f"{path}: environments.{name}"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read settings file ({error.strerror})") from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    if path.name == "pyproject.toml":
        tool = document.get("tool", {}).get("shopbot")
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: no [tool.shopbot] table")
        return tool
    return document


def _checked(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Reject unknown keys and values of the wrong type, naming the key."""
    allowed = {f.name for f in fields(Settings)} - {"name", "source"}
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in allowed:
            raise ConfigError(f"{where}.{key}: unknown setting (known: {', '.join(sorted(allowed))})")
        expected = _TYPES[key]
        if not _type_ok(value, expected):
            raise ConfigError(f"{where}.{key}: expected {_describe(expected)}, got {type(value).__name__}")
        checked[key] = value
    return checked


def _type_ok(value: Any, expected: Any) -> bool:
    text = str(expected)
    if value is None:
        return "None" in text
    if text.startswith("list"):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if text.startswith("dict"):
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if "float" in text:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if "int" in text:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _describe(expected: Any) -> str:
    text = str(expected).replace(" | None", "")
    return {"str": "a string", "int": "an integer", "float": "a number"}.get(text, text)
