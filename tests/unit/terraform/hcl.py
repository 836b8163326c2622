"""Reading the Terraform folders with python-hcl2: what each declares and what it references.

python-hcl2 keeps expressions as text (`"${var.x}"`, literals in their quotes), so the
references are read from the `${...}` parts of every string value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
FOLDERS = ("lambda", "ecs", "edge")

_VAR = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
_DATA = re.compile(r"(?<![\w.])data\.([a-z][\w]*)\.([A-Za-z_][\w-]*)")
_RESOURCE = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def unquote(value: Any) -> Any:
    """`'"text"'` -> `'text'` (hcl2 keeps literal strings in their quotes)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def expressions(value: Any) -> Iterator[str]:
    """The text inside every `${...}` in a parsed value (nested braces balanced)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "__is_block__":
                yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)
    elif isinstance(value, str):
        start = value.find("${")
        while start != -1:
            depth, index = 0, start + 1
            while index < len(value):
                if value[index] == "{":
                    depth += 1
                elif value[index] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                index += 1
            yield value[start + 2 : index]
            start = value.find("${", index)


@dataclass
class Refs:
    variables: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    data: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)

    def add(self, expression: str) -> None:
        self.variables |= set(_VAR.findall(expression))
        self.locals |= set(_LOCAL.findall(expression))
        self.data |= {f"{t}.{n}" for t, n in _DATA.findall(expression)}
        self.resources |= {f"{t}.{n}" for t, n in _RESOURCE.findall(_DATA.sub("", expression))}


@dataclass
class Module:
    """One folder: its blocks by kind and name."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)     # "type.name" -> body
    data: dict[str, dict[str, Any]] = field(default_factory=dict)          # "type.name" -> body
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "aws" -> its blocks
    raw: dict[str, str] = field(default_factory=dict)                      # file name -> text

    def refs(self, value: Any) -> Refs:
        found = Refs()
        for expression in expressions(value):
            found.add(expression)
        return found

    def all_refs(self) -> Refs:
        return self.refs([self.locals, list(self.resources.values()), list(self.data.values()),
                          list(self.outputs.values()), list(self.variables.values())])

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        return self.resources[f"{kind}.{name}"]


def load(folder: str, root: Path = DEPLOY) -> Module:
    module = Module(root / folder)
    for path in sorted(module.path.glob("*.tf")):
        module.raw[path.name] = path.read_text()
        with path.open() as stream:
            document = hcl2.load(stream)
        for block in document.get("variable", []):
            for name, body in block.items():
                module.variables[unquote(name)] = body
        for block in document.get("locals", []):
            module.locals.update({k: v for k, v in block.items() if not k.startswith("__")})
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in document.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        target[f"{unquote(type_name)}.{unquote(name)}"] = body
        for block in document.get("provider", []):
            for name, body in block.items():
                module.providers.setdefault(unquote(name), []).append(body)
        for block in document.get("output", []):
            for name, body in block.items():
                module.outputs[unquote(name)] = body
    return module


def tfvars(folder: str) -> dict[str, Any]:
    with (DEPLOY / folder / "terraform.tfvars.example").open() as stream:
        document = hcl2.load(stream)
    return {k: v for k, v in document.items() if not k.startswith("__")}
