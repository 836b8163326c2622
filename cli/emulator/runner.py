"""Puts the local API Gateway and Lambda together and runs them until told to stop."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import signal
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .gateway import Gateway, GatewayConfig
from .workers import FunctionConfig, Log, Ship, WorkerPool


@dataclass
class LambdaEmulator:
    """A gateway on (host, port) in front of a pool of awslambdaric workers."""

    function: FunctionConfig
    gateway: GatewayConfig
    log: Log
    ship: Ship | None = None  # each environment's lines to its log stream (CloudWatch Logs locally)

    def __post_init__(self) -> None:
        self.pool: WorkerPool | None = None
        self._gateway: Gateway | None = None

    async def start(self, host: str, port: int) -> str:
        """Listen and answer; no worker starts until the first request (a cold start)."""
        self.pool = WorkerPool(self.function, self.log, self.ship)
        self._gateway = Gateway(self.pool, self.gateway, self.log)
        bound = await self._gateway.start(host, port)
        return f"http://{host}:{bound}"

    async def close(self) -> None:
        if self._gateway is not None:
            await self._gateway.close()
        if self.pool is not None:
            await self.pool.close()


async def serve_until_signalled(
    emulator: LambdaEmulator, host: str, port: int, on_ready: Callable[[str], None]
) -> None:
    """Run until SIGINT/SIGTERM, then stop every worker before returning."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        url = await emulator.start(host, port)
        on_ready(url)
        await stop.wait()
    finally:
        await emulator.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


class PackageLayoutError(ValueError):
    """The zip cannot be unpacked into one directory tree (says which entries clash)."""


def check_layout(names: list[str]) -> None:
    """Refuse a zip whose entries cannot all exist at once: a file and a folder of one name.

    (`zipfile` already keeps `../`, absolute and drive entries inside the target and
    writes symlink entries as plain files; this is the clash it leaves to the OS.)
    """
    files: set[str] = set()
    folders: set[str] = set()
    for raw in names:
        parts = [part for part in raw.split("/") if part not in ("", ".", "..")]
        if not parts:
            continue
        folders.update("/".join(parts[:end]) for end in range(1, len(parts)))
        if raw.endswith("/"):
            folders.add("/".join(parts))
        else:
            files.add("/".join(parts))
    clash = sorted(files & folders)
    if clash:
        raise PackageLayoutError(
            f"'{clash[0]}' is both a file and a folder in the zip"
            + (f" (and {len(clash) - 1} more)" if len(clash) > 1 else "")
        )


def unpack_package(package: Path, into: Path) -> Path:
    """Unpack a built Lambda zip into `into`/task and make it read-only, like /var/task.

    Raises `PackageLayoutError` for a zip no file system can hold, `zipfile.BadZipFile`.
    """
    task_root = into / "task"
    with zipfile.ZipFile(package) as archive:
        check_layout(archive.namelist())
        archive.extractall(task_root)
    for directory, _dirs, files in os.walk(task_root):
        for name in files:
            path = Path(directory, name)
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    for directory, _dirs, _files in os.walk(task_root, topdown=False):
        Path(directory).chmod(0o555)
    return task_root


# What Lambda's Python runtime itself provides next to /var/task: the runtime client and
# the AWS SDK. With --package nothing else from this machine is importable.
RUNTIME_MODULES = (
    "awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py",
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six",
)


def runtime_dir(into: Path) -> Path:
    """A directory of links to the runtime's own modules, like Lambda's /var/runtime."""
    runtime = into / "runtime"
    runtime.mkdir()
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        source = origin.parent if spec.submodule_search_locations else origin
        (runtime / source.name).symlink_to(source)
    return runtime


def remove_tree(path: Path) -> None:
    """Delete a tree made read-only by `unpack_package`."""
    for directory, _dirs, _files in os.walk(path):
        Path(directory).chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)
