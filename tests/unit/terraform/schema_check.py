"""Check parsed Terraform against the AWS provider's schema (see provider_schema.py).

What `terraform validate` would say about the provider's side, offline: every argument and
nested block (dynamic ones included) exists, required ones are set, obvious type mismatches
(a string where a list goes, a block written as an argument), every `lifecycle.ignore_changes`
path and every `aws_x.name.attr` / `data.aws_x.name.attr` reference names something the
schema has. Each finding is one line a reader can act on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from .hcl import Module, expressions

META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
PROVIDER_META_ARGUMENTS = {"alias", "version"}
PARSER_KEYS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}

_WHOLE_EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)
_PATH_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[([^\]]*)\]")
_TRAVERSAL = r"((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*)"
_RESOURCE_REF = re.compile(r"(?<![\w.\"])(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)" + _TRAVERSAL)
_DATA_REF = re.compile(r"(?<![\w.\"])data\.(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)" + _TRAVERSAL)


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get("__is_block__")
                                                          for v in value)


def _suggest(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _steps(traversal: str) -> list[str | None]:
    """`.a[0].b["k"]` -> ["a", None, "b", None]: names, and None for every index or key."""
    return [name or None for name, _index in _PATH_STEP.findall(traversal)]


class Checker:
    """The findings for one folder (Module) against the provider schema."""

    def __init__(self, module: Module, schema: dict[str, Any]) -> None:
        self.module = module
        self.schema = schema
        self.folder = f"deploy/{module.path.name}"

    # -- types ---------------------------------------------------------------------------------------------------

    def value_kind(self, value: Any, depth: int = 0) -> str | None:
        """"string" | "number" | "bool" | "list" | "map" | None (an expression whose type is not obvious)."""
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int | float):
            return "number"
        if isinstance(value, list):
            return "list"
        if isinstance(value, dict):
            return "map"
        if not isinstance(value, str):
            return None
        whole = _WHOLE_EXPRESSION.match(value)
        if whole is None:
            return "string"  # a quoted literal, with or without ${} inside
        inner = whole.group(1).strip()
        if depth > 5:
            return None
        variable = re.fullmatch(r"var\.([A-Za-z_][\w-]*)", inner)
        if variable and variable.group(1) in self.module.variables:
            declared = self.module.variables[variable.group(1)].get("type")
            type_text = _WHOLE_EXPRESSION.sub(r"\1", declared) if isinstance(declared, str) else ""
            head = type_text.split("(", 1)[0].strip()
            return {"string": "string", "number": "number", "bool": "bool", "list": "list", "set": "list",
                    "tuple": "list", "map": "map", "object": "map"}.get(head)
        local = re.fullmatch(r"local\.([A-Za-z_][\w-]*)", inner)
        if local and local.group(1) in self.module.locals:
            return self.value_kind(self.module.locals[local.group(1)], depth + 1)
        if re.fullmatch(r"\[.*\]", inner, re.DOTALL):
            return "list"
        call = re.match(r"([a-z]\w*)\(", inner)
        if call and _closes_at_end(inner, call.end() - 1):
            return FUNCTION_RESULTS.get(call.group(1))
        return None

    def type_problem(self, value: Any, spec: list[str]) -> str | None:
        kind = self.value_kind(value)
        if kind is None:
            return None
        container, storage = spec
        wanted = {"list": "list", "set": "list", "map": "map"}.get(container)
        if wanted is None and container == "simple":
            wanted = {"string": "string", "number": "number", "boolean": "bool"}.get(storage)
        if wanted is None:
            return None
        if wanted in ("list", "map") or kind in ("list", "map"):
            return None if kind == wanted else f"expects a {wanted}, got a {kind}"
        literal = value[1:-1] if isinstance(value, str) and value.startswith('"') and "${" not in value else None
        if wanted == "number" and (kind == "bool" or (literal is not None and not _is_number(literal))):
            return f"expects a number, got {value}"
        if wanted == "bool" and (kind == "number" or (literal is not None and literal not in ("true", "false"))):
            return f"expects a bool, got {value}"
        return None

    # -- blocks --------------------------------------------------------------------------------------------------

    def check_body(self, where: str, body: dict[str, Any], schema: dict[str, Any], top: bool,
                   meta: frozenset[str] = frozenset(META_ARGUMENTS)) -> Iterator[str]:
        if schema.get("opaque"):
            return
        present: set[str] = set()
        for key, value in body.items():
            if key in PARSER_KEYS or (top and key in meta):
                continue
            if key == "dynamic":
                yield from self.check_dynamic(where, value, schema, present)
                continue
            present.add(key)
            here = f"{where}.{key}"
            if key in schema["args"]:
                if _is_block(value):
                    yield f"{here}: is an argument, written as a block (write `{key} = ...`)"
                    continue
                problem = self.type_problem(value, schema["args"][key])
                if problem:
                    yield f"{here}: {problem}"
            elif key in schema["blocks"]:
                if not _is_block(value):
                    yield f"{here}: is a nested block, written as an argument (write `{key} {{ ... }}`)"
                    continue
                for item in value:
                    yield from self.check_body(here, item, schema["blocks"][key], top=False)
            else:
                yield f"{here}: no such argument or block{_suggest(key, list(schema['args']) + list(schema['blocks']))}"
        for name in schema["required"]:
            kind = "block" if name in schema["blocks"] else "argument"
            if name not in present:
                yield f"{where}: required {kind} `{name}` is not set"
            elif name in body and (body[name] is None or body[name] == "${null}"):
                yield f"{where}: required {kind} `{name}` is set to null"

    def check_dynamic(self, where: str, value: Any, schema: dict[str, Any], present: set[str]) -> Iterator[str]:
        for labelled in value if isinstance(value, list) else [value]:
            for raw_name, spec in labelled.items():
                name = raw_name.strip('"')
                here = f"{where}.dynamic.{name}"
                present.add(name)
                if name not in schema["blocks"]:
                    options = list(schema["blocks"])
                    yield f"{here}: no such nested block{_suggest(name, options)}"
                    continue
                if "for_each" not in spec:
                    yield f"{here}: a dynamic block needs `for_each`"
                contents = spec.get("content")
                if not _is_block(contents):
                    yield f"{here}: a dynamic block needs one `content {{ ... }}` block"
                    continue
                for content in contents:
                    yield from self.check_body(here, content, schema["blocks"][name], top=False)

    # -- paths ---------------------------------------------------------------------------------------------------

    def path_problem(self, schema: dict[str, Any], steps: list[str | None]) -> str | None:
        """None when `steps` (names; None for an index) walk through attributes the schema has."""
        current: dict[str, Any] | None = schema
        for step in steps:
            if step is None:
                continue
            if current is None:
                return None  # inside a map, list of strings or an opaque block: keys are data
            if current.get("opaque"):
                return None
            if step not in current["attrs"]:
                return f"`{step}` is not an attribute there{_suggest(step, current['attrs'])}"
            current = current["blocks"].get(step)
        return None

    def check_lifecycle(self, where: str, body: dict[str, Any], schema: dict[str, Any]) -> Iterator[str]:
        for lifecycle in body.get("lifecycle", []):
            paths = lifecycle.get("ignore_changes", [])
            if isinstance(paths, str):  # `ignore_changes = all`
                if _WHOLE_EXPRESSION.sub(r"\1", paths).strip() != "all":
                    yield f"{where}.lifecycle.ignore_changes: expects a list of attribute paths or `all`"
                continue
            for raw in paths:
                text = _WHOLE_EXPRESSION.sub(r"\1", str(raw)).strip()
                first = re.match(r"[A-Za-z_][\w-]*", text)
                if first is None:
                    yield f"{where}.lifecycle.ignore_changes: `{text}` is not an attribute path"
                    continue
                problem = self.path_problem(schema, [first.group(0), *_steps(text[first.end():])])
                if problem:
                    yield f"{where}.lifecycle.ignore_changes: `{text}`: {problem}"

    def check_references(self) -> Iterator[str]:
        seen: set[str] = set()
        for text in expressions([self.module.locals, list(self.module.resources.values()),
                                 list(self.module.data.values()), list(self.module.outputs.values())]):
            for kind, pattern in (("data", _DATA_REF), ("resource", _RESOURCE_REF)):
                source = text if kind == "data" else _DATA_REF.sub("", text)
                for tf_type, name, traversal in pattern.findall(source):
                    ref = f"{'data.' if kind == 'data' else ''}{tf_type}.{name}{traversal}"
                    type_schema = self.schema[kind].get(tf_type)
                    if type_schema is None or ref in seen:
                        continue  # an unknown type is reported where it is declared
                    seen.add(ref)
                    problem = self.path_problem(type_schema, _steps(traversal))
                    if problem:
                        yield f"{self.folder}: reference `{ref}`: {problem}"

    # -- all -----------------------------------------------------------------------------------------------------

    def findings(self) -> list[str]:
        found: list[str] = []
        for kind, declared in (("resource", self.module.resources), ("data", self.module.data)):
            for address, body in declared.items():
                tf_type = address.split(".", 1)[0]
                where = f"{self.folder}: {'data.' if kind == 'data' else ''}{address}"
                type_schema = self.schema[kind].get(tf_type)
                if type_schema is None:
                    found.append(f"{where}: no {kind} type `{tf_type}` in {self.schema['provider_version']}"
                                 f"{_suggest(tf_type, self.schema[kind])}")
                    continue
                found.extend(self.check_body(where, body, type_schema, top=True))
                found.extend(self.check_lifecycle(where, body, type_schema))
        for name, blocks in self.module.providers.items():
            provider_schema = self.schema.get("provider", {}).get(name)
            for body in blocks if provider_schema else []:
                found.extend(self.check_body(f"{self.folder}: provider.{name}", body, provider_schema, top=True,
                                             meta=frozenset(PROVIDER_META_ARGUMENTS)))
        found.extend(self.check_references())
        return found


# What Terraform's built-in functions return, for those whose result kind never varies.
FUNCTION_RESULTS = {
    **dict.fromkeys(("tostring", "format", "join", "jsonencode", "yamlencode", "base64encode", "base64sha256",
                     "filebase64sha256", "filesha256", "file", "templatefile", "lower", "upper", "trimspace",
                     "replace", "substr", "md5", "sha256", "uuid", "timestamp"), "string"),
    **dict.fromkeys(("tolist", "toset", "concat", "compact", "distinct", "split", "keys", "values", "flatten",
                     "sort", "range", "setunion", "setintersection", "slice", "reverse"), "list"),
    **dict.fromkeys(("tomap", "merge", "zipmap"), "map"),
    **dict.fromkeys(("tonumber", "length", "max", "min", "ceil", "floor", "abs", "parseint"), "number"),
    "tobool": "bool",
}


def _closes_at_end(text: str, open_at: int) -> bool:
    """Whether the parenthesis at `open_at` closes at the very end (so the call is the whole expression)."""
    depth, quoted = 0, False
    for index in range(open_at, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def findings(module: Module, schema: dict[str, Any]) -> list[str]:
    return Checker(module, schema).findings()
