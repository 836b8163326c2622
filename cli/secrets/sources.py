"""Where local secret values come from (.env, JSON, environment) and how `pull` writes them.

`.env` files are read by python-dotenv itself, so quotes, `export`, comments and multi-line
values mean exactly what dotenv says. Values are taken literally (no `${VAR}` expansion): a
secret must not silently pick up whatever this shell has in its environment. python-dotenv
only *warns* about a line it cannot parse and skips it; here that is an error with the line.

No message raised here ever quotes a value: only file names, line numbers and key names.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Original, parse_stream

from ..errors import CliError

ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NEWLINE = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class LocalSecrets:
    """Key -> value pairs and where they came from (for messages)."""

    values: dict[str, str]
    origin: str


def load_source(from_path: Path | None, from_env: str | None, environ: Mapping[str, str] | None = None,
                ) -> LocalSecrets:
    """The one source a command names: `--from FILE` (.env, or JSON by suffix) or `--from-env A,B`."""
    if from_path is not None and from_env is not None:
        raise CliError("give either --from FILE or --from-env NAMES, not both")
    if from_env is not None:
        return load_environment(from_env, os.environ if environ is None else environ)
    path = from_path or Path(".env")
    if path.suffix.lower() == ".json":
        return load_json_file(path)
    return load_dotenv_file(path)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file (pass --from FILE, or --from-env NAMES)") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    except OSError as error:
        raise CliError(f"{path}: cannot read ({error.strerror})") from None


def load_dotenv_file(path: Path) -> LocalSecrets:
    text = _read_text(path)
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise CliError(f"{path}:{_line(binding.original)}: not a valid dotenv line "
                           "(expected KEY=value; quote values with spaces or #)")
        if binding.key is not None and binding.value is None:
            raise CliError(f"{path}:{_line(binding.original)}: {binding.key} has no '=' "
                           f"(write {binding.key}= for an empty value)")
    parsed = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return LocalSecrets({key: value or "" for key, value in parsed.items()}, str(path))


def _line(original: Original) -> int:
    """The line the statement itself starts on (dotenv counts from the blank lines before it)."""
    leading = original.string[: len(original.string) - len(original.string.lstrip())]
    return original.line + len(NEWLINE.findall(leading))


def load_json_file(path: Path) -> LocalSecrets:
    text = _read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    return LocalSecrets(_string_map(document, str(path)), str(path))


def load_environment(names: str, environ: Mapping[str, str]) -> LocalSecrets:
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    if not wanted:
        raise CliError("--from-env needs variable names, e.g. --from-env ANTHROPIC_API_KEY,ES_API_KEY")
    missing = [name for name in wanted if name not in environ]
    if missing:
        raise CliError(f"environment variables not set: {', '.join(missing)} (export them, or drop them "
                       "from --from-env)")
    return LocalSecrets({name: environ[name] for name in wanted}, "environment")


def _string_map(document: object, origin: str) -> dict[str, str]:
    if not isinstance(document, dict):
        raise CliError(f"{origin}: must be a JSON object of KEY: \"value\" pairs")
    wrong = sorted(key for key, value in document.items() if not isinstance(value, str))
    if wrong:
        raise CliError(f"{origin}: values must be strings; not for {', '.join(wrong)}")
    return dict(document)


def to_dotenv(values: Mapping[str, str]) -> str:
    """A .env text that python-dotenv reads back to exactly `values` (double-quoted, escaped)."""
    bad = sorted(key for key in values if not ENV_KEY.match(key))
    if bad:
        raise CliError(f"keys that cannot be written to a .env file: {', '.join(bad)} "
                       "(rename them in the secret, or use --json)")
    lines = [f'{key}="{_escape(value)}"' for key, value in sorted(values.items())]
    return "".join(line + "\n" for line in lines)


def _escape(value: str) -> str:
    # dotenv decodes \\ \' \" \a \b \f \n \r \t \v inside double quotes; escape the ones that
    # would otherwise end the value or be decoded.
    return (value.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r"))
