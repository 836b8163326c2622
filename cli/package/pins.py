"""Exact pins read from a requirements file, and the sets that must (not) ship.

The build installs with `--no-deps`, so the file must pin the whole set exactly
(`name==version`); anything looser would let the package drift from the ECS image.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CliError

# What the Lambda Python runtime already provides (bundling boto3/botocore adds ~80 MB).
SDK_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})

# One requirement of a wheel: (canonical name, whether it asks for particular versions).
Requirement = tuple[str, bool]

# The toolkit's own dependencies: they must never reach the service's runtime set
# (aiohttp alone makes anthropic and elasticsearch import ~90 ms slower each).
TOOLKIT_PACKAGES = frozenset({
    "typer", "rich", "shellingham", "markdown-it-py", "mdurl", "pygments",
    "aiohttp", "aiosignal", "aiohappyeyeballs", "frozenlist", "multidict", "yarl", "propcache",
    "moto", "awslambdaric", "python-dotenv",
})

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[A-Za-z0-9.+!_-]+)$")


def canonical(name: str) -> str:
    """PEP 503 normalised name: `Flask`, `typing_extensions` -> `flask`, `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, order=True)
class Pin:
    name: str       # canonical
    version: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def read_pins(path: Path) -> list[Pin]:
    """All pins of `path`, following `-r other.txt`, sorted by name; one-line errors."""
    pins: dict[str, Pin] = {}
    for pin in _read(path, seen=set()):
        previous = pins.get(pin.name)
        if previous and previous.version != pin.version:
            raise CliError(f"{path}: {pin.name} is pinned twice ({previous.version} and {pin.version}); keep one")
        pins[pin.name] = pin
    if not pins:
        raise CliError(f"{path}: no pinned requirements found (expected lines like `flask==3.1.3`)")
    return sorted(pins.values())


def _read(path: Path, seen: set[Path]) -> list[Pin]:
    if not path.is_file():
        raise CliError(f"requirements file {path} not found: pass --requirements PATH to the pinned runtime set")
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"{path}: not UTF-8 text (byte {error.start}): a requirements file is text, "
                       "`name==version` per line") from None
    except OSError as error:
        raise CliError(f"{path}: cannot read it ({error.strerror})") from None
    pins: list[Pin] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            pins.extend(_read(path.parent / line.split(None, 1)[1].strip(), seen))
            continue
        match = _PIN.match(line)
        if not match:
            raise CliError(
                f"{path}:{number}: `{line}` is not an exact pin; the build needs `name==version` for every package"
            )
        pins.append(Pin(canonical(match["name"]), match["version"]))
    return pins


def check_runtime_set(pins: list[Pin], source: Path) -> None:
    """Fail loudly when a toolkit-only package sits in the service's runtime set."""
    leaked = sorted(pin.name for pin in pins if pin.name in TOOLKIT_PACKAGES)
    if leaked:
        raise CliError(
            f"{source} pins {', '.join(leaked)}: toolkit dependencies must never ship with the service; "
            "remove them from the runtime set"
        )


def left_to_runtime(pins: list[Pin], requires: dict[str, list[Requirement]], bundle_sdk: bool) -> set[str]:
    """The pins the zip leaves to the Lambda runtime: the SDK, and the SDK's own dependencies.

    The runtime installs boto3 and botocore with their dependencies (python-dateutil, six,
    urllib3, ...), so a pin reached only through the SDK adds nothing but bytes to the zip.
    A dependency stays in the zip when a shipped package asks for particular versions of it
    (elastic-transport needs urllib3>=1.26.2,<3, which the runtime's copy may not be); one
    asked for with no version (elasticsearch's `python-dateutil`) is served by the runtime's.
    """
    if bundle_sdk:
        return set()
    names = {pin.name for pin in pins}
    provided = set(SDK_PACKAGES) & names
    frontier = sorted(provided)
    while frontier:
        for dependency, _ in requires.get(frontier.pop(), []):
            if dependency in names and dependency not in provided:
                provided.add(dependency)
                frontier.append(dependency)
    while True:
        shipped = names - provided
        wanted = {dependency for name in shipped for dependency, versioned in requires.get(name, [])
                  if versioned and dependency in provided - SDK_PACKAGES}
        if not wanted:
            return provided
        provided -= wanted


def pins_digest(pins: list[Pin]) -> str:
    """A stable hash of the pinned set (the wheel cache key's main part)."""
    return hashlib.sha256("\n".join(pin.spec for pin in sorted(pins)).encode()).hexdigest()
