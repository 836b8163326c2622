"""The settings layers, merged in the AWS CLI's order: flags > environment > file > defaults.

Reads the settings file (UTF-8 TOML), the process environment and the flags, validates
every value with pydantic against the `Settings` type hints (strictly for TOML, which is
typed; from text for variables) and records where each value came from. Every problem
is one `ConfigError` line naming the file and key, or the variable, and what to write.
Imports environments and errors; imported lazily by environments, so pydantic loads only
when a command reads its settings (not for `--help`).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from ..errors import ConfigError
from .environments import (
    ALIASES,
    DEFAULT_ENV,
    DEFAULTS,
    SETTINGS_FILE,
    Between,
    FileRelative,
    HttpUrl,
    Settings,
    find_settings_file,
    setting_names,
    variables_for,
)

T = TypeVar("T")


def resolve(env: str | None, path: Path | None, flags: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """The chosen environment's settings with every layer applied (see the module docstring)."""
    if path is None:
        path = find_settings_file()
        named = os.environ.get("SHOPBOT_CONFIG")
        if named and path is not None and not path.exists():
            raise ConfigError(f"SHOPBOT_CONFIG={named}: no such settings file (fix the path, or unset it)")
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    chosen, origins["name"] = _pick_env(env, environ, None)
    if path is not None:
        document = read_document(path)
        environments = document.get("environments")
        if not isinstance(environments, dict):
            raise ConfigError(f"{path}: missing table [environments.<name>] (e.g. [environments.local])")
        chosen, origins["name"] = _pick_env(env, environ, _default_env(document, path))
        if chosen not in environments:
            known = ", ".join(sorted(environments)) or "none"  # CliError escapes line breaks
            raise ConfigError(f"{path}: unknown environment '{chosen}' (known: {known})")
        table = environments[chosen]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: environments.{chosen} must be a table ([environments.{chosen}])")
        values = file_values(table, path, f"{path}: environments.{chosen}")
        origins.update(dict.fromkeys(values, f"file {path}"))
    elif chosen != DEFAULT_ENV:
        raise ConfigError(
            f"unknown environment '{chosen}' ({origins['name']}): no {SETTINGS_FILE} found "
            f"(create one, or set SHOPBOT_CONFIG to its path)"
        )
    from_env, env_origins = environment_values(environ)
    values.update(from_env)
    origins.update(env_origins)
    for key, (value, label) in flags.items():
        if value is not None:
            values.update(check_values({key: value}, label, strict=False))
            origins[key] = label
    return Settings(name=chosen, source=DEFAULTS if path is None else str(path), origins=origins, **values)


def _pick_env(flag: str | None, environ: Mapping[str, str], file_default: str | None) -> tuple[str, str]:
    if flag:
        return flag, "flag --env"
    if environ.get("SHOPBOT_ENV"):
        return environ["SHOPBOT_ENV"], "env SHOPBOT_ENV"
    if file_default is not None:
        return file_default, "file default_env"
    return DEFAULT_ENV, "default"


def _default_env(document: dict[str, Any], path: Path) -> str | None:
    value = document.get("default_env")
    if value is None or (isinstance(value, str) and value):
        return value
    raise ConfigError(f'{path}: default_env must name one environment as a string (default_env = "staging"), '
                      f"got {_kind(value)}")


def read_document(path: Path) -> dict[str, Any]:
    """The shopbot part of a settings file: the whole shopbot.toml, or pyproject's [tool.shopbot]."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read settings file ({error.strerror})") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start}): save the file as UTF-8") from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    if path.name != "pyproject.toml":
        return document
    tool = document.get("tool")
    shopbot = tool.get("shopbot") if isinstance(tool, dict) else None
    if not isinstance(shopbot, dict):
        got = "nothing" if shopbot is None else _kind(shopbot)
        raise ConfigError(f"{path}: tool.shopbot must be a table ([tool.shopbot.environments.local] ...), got {got}")
    return shopbot


def file_values(table: dict[str, Any], path: Path, where: str) -> dict[str, Any]:
    """One environment's table, checked key by key; relative paths read from the file's folder."""
    allowed = setting_names()
    for alias, name in ALIASES.items():
        if alias in table:
            if name in table:
                raise ConfigError(f"{where}: `{alias}` and `{name}` are the same setting: keep one ({name})")
            table = {(name if key == alias else key): value for key, value in table.items()}
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown setting (known: {', '.join(sorted(allowed))})")
    checked: dict[str, Any] = {}
    for key, value in table.items():
        checked[key] = _validate(key, value, strict=True, where=f"{where}.{key}", shown=f"got {_kind(value)}")
        if checked[key] is not None and _marked(key, FileRelative):
            checked[key] = os.path.abspath(path.parent / checked[key])
    return checked


def environment_values(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Settings given as variables (`AWS_REGION`, `SHOPBOT_LEDGER`, ...); an empty variable is unset."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in setting_names():
        for variable in variables_for(key):
            raw = environ.get(variable)
            if not raw:
                continue
            where = f"environment variable {variable}"
            shown = f"got {_clip(raw)!r}"
            values[key] = _validate(key, _from_text(key, raw, where), strict=False, where=where, shown=shown)
            origins[key] = f"env {variable}"
            break
    return values, origins


def check_values(values: Mapping[str, Any], label: str, *, strict: bool) -> dict[str, Any]:
    """Validate values given in code or as flags (`label` names where they came from)."""
    return {key: _validate(key, value, strict=strict, where=f"{label} ({key})", shown=f"got {_clip(str(value))!r}")
            for key, value in values.items()}


# --- validation -------------------------------------------------------------------------


@cache
def _hints() -> dict[str, Any]:
    return get_type_hints(Settings, include_extras=True)


@cache
def _adapter(key: str) -> TypeAdapter[Any]:
    return TypeAdapter(_hints()[key])


def _validate(key: str, value: Any, *, strict: bool, where: str, shown: str) -> Any:
    try:
        checked = _adapter(key).validate_python(value, strict=strict)
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(f"{where}: {_describe(first['msg'], _hints()[key])}, {shown}") from error
    for bounds in _markers(key, Between):
        if isinstance(checked, int | float) and not _within(checked, bounds):
            limits = " and ".join(text for text in (
                None if bounds.low is None else f"at least {bounds.low:g}",
                None if bounds.high is None else f"at most {bounds.high:g}") if text)
            raise ConfigError(f"{where}: must be {limits}, {shown}")
    if isinstance(checked, str) and _marked(key, HttpUrl):
        parts = urlsplit(checked)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(f"{where}: not a URL ({shown}): write it as http(s)://host[:port][/path]")
    return checked


def _from_text(key: str, raw: str, where: str) -> Any:
    """A variable's text as the setting's shape: lists as JSON or comma-separated, tables as JSON."""
    shape = _base(_hints()[key])
    if shape is list:
        if raw.lstrip().startswith("["):
            return _json(raw, where, "a JSON list or comma-separated values")
        return [part.strip() for part in raw.split(",") if part.strip()]
    if shape is dict:
        return _json(raw, where, 'a JSON object ({"key": "value"})')
    return raw


def _json(raw: str, where: str, expected: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"{where}: expected {expected}, got {_clip(raw)!r}") from error


def _base(hint: Any) -> Any:
    """`list` for `list[str] | None`, `str` for `Annotated[str, ...] | None`, and so on."""
    origin = get_origin(hint)
    if origin is Annotated:
        return _base(get_args(hint)[0])
    if origin in (list, dict):
        return origin
    arguments = [arg for arg in get_args(hint) if arg is not type(None)]
    return _base(arguments[0]) if arguments else hint


def _markers(key: str, marker: type[T]) -> list[T]:
    """The `marker` objects in a field's `Annotated[...]` hint (also inside `X | None`)."""
    found: list[T] = []

    def walk(hint: Any) -> None:
        if get_origin(hint) is Annotated:
            found.extend(item for item in hint.__metadata__ if isinstance(item, marker))
        for arg in get_args(hint):
            walk(arg)

    walk(_hints()[key])
    return found


def _marked(key: str, marker: type) -> bool:
    return bool(_markers(key, marker))


def _within(value: float, bounds: Between) -> bool:
    return (bounds.low is None or value >= bounds.low) and (bounds.high is None or value <= bounds.high)


def _describe(message: str, hint: Any) -> str:
    shape = _base(hint)
    expected = {str: "a string", int: "an integer", float: "a number", list: "a list of strings",
                dict: "a table of string values"}.get(shape)
    if expected is None:
        return message[0].lower() + message[1:]
    return f"expected {expected}"


def _kind(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
