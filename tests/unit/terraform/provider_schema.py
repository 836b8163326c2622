"""The AWS provider's schema, offline: read from the `@cdktf/provider-aws` npm package.

`terraform validate` needs the provider binary, which cannot be downloaded here. The cdktf
bindings are generated from that provider's schema and carry it in plain JavaScript: for every
resource and data source, `synthesizeHclAttributes()` (and one `...ToHclTerraform` function per
nested block) lists each argument's snake_case name, whether it is a block, and its type; the
`.d.ts` config interfaces mark the required ones (no `?`); the getters name every readable
attribute, computed ones included.

    .venv/bin/python -m tests.unit.terraform.provider_schema     # fetch (npm pack) + extract, once

Both the tarball and the extracted JSON live OUTSIDE the repository, in
`${SHOPBOT_CACHE_DIR:-~/.cache/shopbot}/provider-schema/`. The schema of one type:

    {"args": {"name": ["simple", "string"], ...},      # [type, storage class] as cdktf records them
     "required": ["name", "restrictions", ...],        # arguments and blocks that must be set
     "blocks": {"origin": {<the same shape>}, ...},    # nested blocks
     "attrs": ["arn", "etag", ...]}                    # everything readable: arguments + computed
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PACKAGE = "@cdktf/provider-aws"
PACKAGE_VERSION = "21.22.1"  # generated from hashicorp/aws 6.25.0 (package.json "cdktf.provider.version")
PROVIDER_VERSION = "6.25.0"
FORMAT = 3  # bump when the extracted JSON's shape changes

CACHE = Path(os.environ.get("SHOPBOT_CACHE_DIR") or Path.home() / ".cache" / "shopbot") / "provider-schema"
TARBALL = CACHE / f"cdktf-provider-aws-{PACKAGE_VERSION}.tgz"
SCHEMA = CACHE / f"aws-{PROVIDER_VERSION}-from-cdktf-{PACKAGE_VERSION}.v{FORMAT}.json"

_ENTRY = re.compile(
    r"(\w+): \{\s*value: (.*?),\s*isBlock: (true|false),\s*type: \"(\w+)\",\s*storageClassType: \"(\w+)\",\s*\}",
    re.DOTALL,
)
_HCL_FUNCTION = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{\n(.*?)^\}", re.DOTALL | re.MULTILINE)
_SYNTH = re.compile(r"^    synthesizeHclAttributes\(\) \{\n(.*?)^    \}", re.DOTALL | re.MULTILINE)
_CLASS = re.compile(r"^class (\w+) extends ([\w.]+) \{\n(.*?)^\}", re.DOTALL | re.MULTILINE)
_TF_TYPE = re.compile(r"^(\w+)\.tfResourceType = \"(\w+)\";", re.MULTILINE)
_NESTED_CALL = re.compile(r"(?<![\w.])([a-z]\w*)ToHclTerraform\b")
_FIELD = re.compile(r"(?:struct|this)\.(?:_)?(\w+)")
_GETTER = re.compile(
    r"(?:get\w*Attribute|interpolationForAttribute)\('(\w+)'\)|new [\w.]+\(this, \"(\w+)\"")
_INTERFACE = re.compile(r"^export interface (\w+)(?: extends [\w.]+)? \{\n(.*?)^\}", re.DOTALL | re.MULTILINE)
_MEMBER = re.compile(r"^    readonly (\w+)(\?)?:", re.MULTILINE)


class SchemaUnavailable(Exception):
    """Why the schema cannot be had here, in words a skip message can carry."""


def _entries(body: str) -> Iterator[tuple[str, str, bool, str, str]]:
    for name, value, is_block, kind, storage in _ENTRY.findall(body):
        yield name, value, is_block == "true", kind, storage


def _required(interfaces: dict[str, dict[str, bool]], interface: str, camel_to_snake: dict[str, str]) -> list[str]:
    members = interfaces.get(interface, {})
    return sorted(camel_to_snake[camel] for camel, optional in members.items()
                  if not optional and camel in camel_to_snake)


def extract_module(js: str, dts: str) -> tuple[str, str, dict[str, Any]] | None:
    """One lib/<dir>/ of the package -> ("resource"|"data"|"provider", "aws_x", schema), None if it holds none."""
    types = _TF_TYPE.findall(js)
    if not types:
        return None
    class_name, tf_type = types[0]
    classes = {name: (base, body) for name, base, body in _CLASS.findall(js)}
    if class_name not in classes:
        return None
    base, main_body = classes[class_name]
    kinds = {"TerraformDataSource": "data", "TerraformResource": "resource", "TerraformProvider": "provider"}
    kind = kinds.get(base.rsplit(".", 1)[-1], "")
    if not kind:
        return None
    functions = {name: body for name, body in _HCL_FUNCTION.findall(js)}
    interfaces = {name: {m: bool(q) for m, q in _MEMBER.findall(body)} for name, body in _INTERFACE.findall(dts)}

    def getters(body: str) -> set[str]:
        return {a or b for a, b in _GETTER.findall(body)}

    def shape(body: str, interface: str, seen: frozenset[str]) -> dict[str, Any]:
        args: dict[str, list[str]] = {}
        blocks: dict[str, Any] = {}
        camel_to_snake: dict[str, str] = {}
        for name, value, is_block, type_, storage in _entries(body):
            field = _FIELD.search(value)
            if field:
                camel_to_snake[field.group(1)] = name
            if is_block:
                nested = next((f for f in _NESTED_CALL.findall(value) if f in functions), None)
                if nested and nested not in seen:
                    sub_interface = nested[0].upper() + nested[1:]
                    blocks[name] = shape(functions[nested], sub_interface, seen | {nested})
                    blocks[name]["attrs"] = sorted(set(blocks[name]["attrs"]) | getters(
                        classes.get(sub_interface + "OutputReference", ("", ""))[1]))
                else:
                    blocks[name] = {"args": {}, "required": [], "blocks": {}, "attrs": [], "opaque": True}
            else:
                args[name] = [type_, storage]
        return {"args": args, "required": _required(interfaces, interface, camel_to_snake),
                "blocks": blocks, "attrs": sorted(set(args) | set(blocks))}

    synth = _SYNTH.search(main_body)
    if synth is None:
        return None
    schema = shape(synth.group(1), class_name + "Config", frozenset())
    schema["attrs"] = sorted(set(schema["attrs"]) | getters(main_body))
    return kind, tf_type, schema


def extract(tarball: Path) -> dict[str, Any]:
    """Every resource and data source in the package's tarball (streamed, nothing unpacked to disk)."""
    out: dict[str, Any] = {"package": f"{PACKAGE}@{PACKAGE_VERSION}",
                           "provider_version": f"hashicorp/aws {PROVIDER_VERSION}",
                           "resource": {}, "data": {}, "provider": {}}
    pending: dict[str, dict[str, str]] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if len(parts) != 4 or parts[1] != "lib" or parts[3] not in ("index.js", "index.d.ts"):
                if member.name == "package/package.json":
                    stream = archive.extractfile(member)
                    meta = json.load(io.TextIOWrapper(stream, encoding="utf-8")) if stream else {}
                    built_from = meta.get("cdktf", {}).get("provider", {}).get("version")
                    if built_from != PROVIDER_VERSION:
                        raise SchemaUnavailable(f"{tarball} was built from hashicorp/aws {built_from}, "
                                                f"expected {PROVIDER_VERSION}")
                continue
            stream = archive.extractfile(member)
            if stream is None:
                continue
            files = pending.setdefault(parts[2], {})
            files[parts[3]] = stream.read().decode("utf-8")
            if len(files) == 2:
                found = extract_module(files["index.js"], files["index.d.ts"])
                del pending[parts[2]]
                if found:
                    kind, tf_type, schema = found
                    out[kind][tf_type] = schema
    if len(out["resource"]) < 1000 or len(out["data"]) < 300 or "aws" not in out["provider"]:
        raise SchemaUnavailable(f"{tarball} yielded only {len(out['resource'])} resources and {len(out['data'])} "
                                "data sources: not the package this reader understands")
    return out


def fetch(npm: str = "npm") -> Path:
    """`npm pack` the pinned package into the cache (once)."""
    if TARBALL.is_file():
        return TARBALL
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([npm, "pack", "--silent", f"{PACKAGE}@{PACKAGE_VERSION}"], cwd=CACHE, check=True,
                       capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:
        raise SchemaUnavailable(f"`npm` is not installed, so `npm pack {PACKAGE}@{PACKAGE_VERSION}` cannot run "
                                f"(or place the tarball at {TARBALL})") from exc
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = (getattr(exc, "stderr", "") or "").strip().splitlines()[-1:] or ["timed out"]
        raise SchemaUnavailable(f"`npm pack {PACKAGE}@{PACKAGE_VERSION}` failed ({detail[0]}): "
                                f"no registry access? Place the tarball at {TARBALL}") from exc
    if not TARBALL.is_file():
        raise SchemaUnavailable(f"`npm pack` ran but {TARBALL} is not there")
    return TARBALL


def load(allow_fetch: bool = False) -> dict[str, Any]:
    """The extracted schema: from the JSON cache, else from the tarball (fetched when allowed)."""
    if SCHEMA.is_file():
        return dict(json.loads(SCHEMA.read_text(encoding="utf-8")))
    if not TARBALL.is_file():
        if not allow_fetch:
            raise SchemaUnavailable(
                f"the AWS provider schema is not cached: neither {SCHEMA} nor {TARBALL} exists; fetch it with "
                f"`.venv/bin/python -m tests.unit.terraform.provider_schema` (runs `npm pack {PACKAGE}@"
                f"{PACKAGE_VERSION}`; .ci/run does it)")
        fetch()
    schema = extract(TARBALL)
    partial = SCHEMA.with_suffix(f".{os.getpid()}.partial")  # two runs extracting at once never mix
    partial.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    partial.replace(SCHEMA)
    return schema


if __name__ == "__main__":
    try:
        loaded = load(allow_fetch=True)
    except SchemaUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"{SCHEMA}: {len(loaded['resource'])} resources, {len(loaded['data'])} data sources "
          f"({loaded['provider_version']}, from {loaded['package']})")
