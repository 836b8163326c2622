"""Fill an environment of shopbot.toml from `terraform output -json`.

Each Terraform folder (deploy/lambda, deploy/ecs, deploy/edge) has an output
`shopbot_settings` whose keys ARE Settings fields; a few plain outputs map by name too
(`OUTPUT_NAMES`). The file is edited as text, key by key inside the one
`[environments.<env>]` table, so other environments, comments and ordering stay as
they were; the result is re-read with the real settings loader before it replaces the
file (atomically), so a value Settings would reject is never written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CliError, ConfigError
from .environments import load_settings, setting_names

# Plain Terraform outputs that map onto a setting (shopbot_settings wins over these).
OUTPUT_NAMES = {
    "api_url": "api_url",
    "alb_url": "alb_url",
    "edge_url": "edge_url",
    "distribution_id": "distribution_id",
    "alb_origin_id": "alb_origin_id",
    "api_origin_id": "api_origin_id",
    "behaviors": "behaviors",
    "function_name": "lambda_function",
    "alias_name": "lambda_alias",
    "cluster_name": "ecs_cluster",
    "service_name": "ecs_service",
    "secret_name": "secret_name",
    "lambda_log_group": "lambda_log_group",
    "ecs_log_group": "ecs_log_group",
}
SETTINGS_OUTPUT = "shopbot_settings"
_FIELDS = set(setting_names())
_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")


@dataclass(frozen=True)
class Imported:
    env: str | None                  # the outputs' `environment`, if any
    values: dict[str, Any]
    skipped: list[str]               # sensitive outputs, never written


@dataclass(frozen=True)
class Change:
    key: str
    before: Any
    after: Any

    @property
    def action(self) -> str:
        if self.before is None:
            return "added"
        return "unchanged" if self.before == self.after else "changed"


def read_outputs(paths: list[Path]) -> Imported:
    """Settings values from one or more `terraform output -json` files (later files win)."""
    values: dict[str, Any] = {}
    skipped: list[str] = []
    env: str | None = None
    for path in paths:
        document = _read_json(path)
        named: dict[str, Any] = {}
        for name, output in document.items():
            if not isinstance(output, dict) or "value" not in output:
                raise CliError(f"{path}: output '{name}' has no value: pass the file `terraform output -json` wrote")
            if output.get("sensitive"):
                skipped.append(name)
                continue
            if name == "environment" and isinstance(output["value"], str):
                env = output["value"]
            elif name in OUTPUT_NAMES:
                named[OUTPUT_NAMES[name]] = output["value"]
        block = document.get(SETTINGS_OUTPUT, {}).get("value") if SETTINGS_OUTPUT not in skipped else None
        if block is not None and not isinstance(block, dict):
            raise CliError(f"{path}: output '{SETTINGS_OUTPUT}' must be an object of setting = value")
        for key in block or {}:
            if key not in _FIELDS:
                raise CliError(
                    f"{path}: {SETTINGS_OUTPUT}.{key} is not a shopbot setting (known: {', '.join(sorted(_FIELDS))})"
                )
        values.update({k: v for k, v in {**named, **(block or {})}.items() if v not in (None, "")})
    return Imported(env, values, skipped)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise CliError(f"{path} not found: write it with `terraform output -json > {path.name}`") from error
    except (OSError, ValueError) as error:
        raise CliError(f"{path} is not JSON ({error}): write it with `terraform output -json`") from error
    if not isinstance(document, dict):
        raise CliError(f"{path} is not `terraform output -json` output (expected an object of outputs)")
    return document


# --- writing ---------------------------------------------------------------------------


def table_prefix(path: Path) -> str:
    return "tool.shopbot.environments" if path.name == "pyproject.toml" else "environments"


def import_into(path: Path, env: str, values: dict[str, Any]) -> list[Change]:
    """Update `[environments.<env>]` in `path` (created if missing); returns what changed."""
    text = path.read_text() if path.exists() else ""
    try:
        current = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error}): fix it before importing") from error
    new_text, changes = update_table(text, table_prefix(path), env, values, _existing(current, path, env))
    if new_text != text:
        _replace_checked(path, env, new_text)
    return changes


def _existing(document: dict[str, Any], path: Path, env: str) -> dict[str, Any] | None:
    node: Any = document
    for part in [*table_prefix(path).split("."), env]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def update_table(
    text: str, prefix: str, env: str, values: dict[str, Any], existing: dict[str, Any] | None
) -> tuple[str, list[Change]]:
    """The text with the table's keys set to `values`, everything else untouched."""
    lines = text.splitlines(keepends=True)
    header = _find_header(lines, f"{prefix}.{_key(env)}")
    changes = [Change(k, (existing or {}).get(k), v) for k, v in values.items()]
    if header is None:
        if existing is not None:
            raise ConfigError(
                f"{prefix}.{env} is not written as its own table header: rewrite it as one, then import again"
            )
        block = "".join(f"{_key(k)} = {render(v)}\n" for k, v in values.items())
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return f"{text}{separator}[{prefix}.{_key(env)}]\n{block}", changes
    spans = _key_spans(lines, header + 1)
    insert_at = max((stop for _, stop in spans.values()), default=header + 1)
    replacements: dict[int, tuple[int, str]] = {}
    additions: list[str] = []
    for change in changes:
        if change.action == "unchanged":
            continue
        line = f"{_key(change.key)} = {render(change.after)}\n"
        if change.key in spans:
            start, stop = spans[change.key]
            replacements[start] = (stop, line)
        else:
            additions.append(line)
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index == insert_at:
            out.extend(additions)
        if index in replacements:
            stop, line = replacements[index]
            out.append(line)
            index = stop
            continue
        out.append(lines[index])
        index += 1
    if insert_at >= len(lines):
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.extend(additions)
    return "".join(out), changes


def _find_header(lines: list[str], name: str) -> int | None:
    wanted = _normal(name)
    for number, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and not line.lstrip().startswith("[[") and _normal(match.group(1)) == wanted:
            return number
    return None


def _normal(dotted: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in dotted.split("."))


def _key_spans(lines: list[str], start: int) -> dict[str, tuple[int, int]]:
    """Each key's [first, past-last) line in the table whose keys start at line `start`."""
    spans: dict[str, tuple[int, int]] = {}
    index = start
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        if _HEADER.match(line) and not _KEY.match(line):
            return spans
        key_match = _KEY.match(line)
        stop = index + 1
        while stop <= len(lines):
            try:
                tomllib.loads("".join(lines[index:stop]))
                break
            except tomllib.TOMLDecodeError:
                stop += 1
        if key_match is None or stop > len(lines):
            raise ConfigError(f"line {index + 1} of the settings file cannot be parsed on its own: fix it by hand")
        spans[key_match.group(1).strip("\"'")] = (index, stop)
        index = stop
    return spans


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def render(value: Any) -> str:
    """A TOML value for the flat types Settings uses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CliError(f"cannot write {value} to shopbot.toml")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {render(v)}" for k, v in value.items()) + " }"
    raise CliError(f"cannot write a {type(value).__name__} to shopbot.toml")


def _replace_checked(path: Path, env: str, text: str) -> None:
    """Write a copy of the same name beside, load it with the real loader, then swap it in."""
    directory = path.resolve().parent
    with tempfile.TemporaryDirectory(dir=directory, prefix=".shopbot-import-") as scratch:
        candidate = Path(scratch) / path.name
        candidate.write_text(text)
        try:
            load_settings(env, candidate, environ={})  # the file alone: variables are not written
        except ConfigError as error:
            raise ConfigError(
                f"{path} was left unchanged: the imported values are not valid settings "
                f"({str(error).replace(str(candidate), str(path))})"
            ) from error
        if path.exists():
            os.chmod(candidate, path.stat().st_mode & 0o777)
        os.replace(candidate, path)
