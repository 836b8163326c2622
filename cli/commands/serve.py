"""`shopbot serve --target ecs|lambda`: the service locally, as each target runs it.

ecs: gunicorn with deploy/ecs/gunicorn.conf.py, as the container runs it.
lambda: a local API Gateway HTTP API in front of awslambdaric workers (no Docker).
Both run in the foreground until Ctrl-C or SIGTERM, and stop everything they started.
With a local AWS configured (`endpoint_url`), both also ship their logs to its CloudWatch
Logs, as Lambda and the awslogs driver do, so `shopbot logs` reads them (cli/logs/local.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import IO, Annotated

import typer

from shopbot.config import per_process_store_problem

from ..emulator.events import DEFAULT_STAGE
from ..emulator.gateway import GatewayConfig
from ..emulator.reload import child_command, supervise
from ..emulator.runner import (
    LambdaEmulator,
    PackageLayoutError,
    remove_tree,
    runtime_dir,
    serve_until_signalled,
    unpack_package,
)
from ..emulator.targets import (
    DEFAULT_HANDLER,
    ensure_port_free,
    gunicorn_command,
    repository_root,
    wait_for_port,
)
from ..emulator.workers import FunctionConfig
from ..errors import CliError
from ..logs.local import ecs_log_group, ecs_stream, lambda_log_group, start_shipper
from ..logs.ship import MAX_MESSAGE_BYTES, LogShipper
from ..options import EnvOption, JsonOption, command_settings, examples, root_flags
from ..settings.environments import DEFAULTS, Settings
from ..ui import get_ui

DEFAULT_PORTS = {"ecs": 8080, "lambda": 3000}


class Target(StrEnum):
    ecs = "ecs"
    lambda_ = "lambda"


def serve(
    target: Annotated[Target, typer.Option("--target", "-t", help="ecs (gunicorn) or lambda (API Gateway + Lambda).")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option("--port", "-p", help="Port (default: ecs 8080, lambda 3000).")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="ecs: gunicorn workers (default 2 with REDIS_URL, else 1).")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="ecs: threads per worker.")] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="lambda: execution environments at most.")
    ] = 4,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, max=900, help="lambda: function timeout, seconds.")
    ] = 30,
    memory: Annotated[int, typer.Option("--memory", min=128, max=10240, help="lambda: memory size, MB.")] = 512,
    stage: Annotated[
        str, typer.Option("--stage", help="lambda: `$default`, or a stage name in the path.")
    ] = DEFAULT_STAGE,
    handler: Annotated[str, typer.Option("--handler", help="lambda: module.function to run.")] = DEFAULT_HANDLER,
    package: Annotated[
        Path | None, typer.Option("--package", help="lambda: run the code of a built Lambda zip.")
    ] = None,
    reload: Annotated[bool, typer.Option(
        "--reload", help="Restart the server when the service's code (shopbot/, or the --package zip) changes.")]
    = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run the service locally the way the chosen target runs it (Ctrl-C stops it)."""
    settings = command_settings(env, json_out)
    chosen_port = DEFAULT_PORTS[target.value] if port is None else port
    if not 0 < chosen_port < 65536:
        raise CliError(f"--port {chosen_port} is not a TCP port: use 1-65535")
    ensure_port_free(host, chosen_port)
    if stage != DEFAULT_STAGE and (not stage or "/" in stage or stage.startswith("$")):
        raise CliError(f"--stage {stage!r} is not a stage name: use `$default` or a name like `prod`")
    if reload:
        options = {"--host": host, "--port": chosen_port, "--workers": workers, "--threads": threads,
                   "--concurrency": concurrency, "--timeout": timeout, "--memory": memory, "--stage": stage,
                   "--handler": handler, "--package": package}
        args = [*_root_args(settings), "serve", "--target", target.value,
                *(word for name, value in options.items() if value is not None for word in (name, str(value)))]
        watched = [package] if package is not None else [repository_root() / "shopbot"]
        get_ui().info(f"watching {', '.join(map(str, watched))}: the server restarts when it changes")
        raise typer.Exit(supervise(child_command(args), watched))
    if target is Target.ecs:
        raise typer.Exit(run_ecs(host, chosen_port, workers, threads, settings=settings))
    region = settings.region or "us-east-1"  # the settings already read AWS_REGION / AWS_DEFAULT_REGION
    function = settings.lambda_function or "shopbot"
    run_lambda(
        host, chosen_port, handler=handler, package=package, stage=stage,
        function_name=function, region=region, concurrency=concurrency, timeout=timeout, memory=memory,
        log_group=lambda_log_group(settings, function), settings=settings,
    )


def _root_args(settings: Settings) -> list[str]:
    """The root options that made these settings, for the child `serve --reload` restarts."""
    ui = get_ui()
    words = ["--json"] if ui.json_mode else []
    words += ["--debug"] if ui.debug else []
    if settings.source != DEFAULTS:
        words += ["--config", settings.source, "--env", settings.name]
    for key, (value, _) in root_flags().items():
        words += [f"--{key.replace('_', '-')}", str(value)]
    return words


def run_ecs(host: str, port: int, workers: int | None, threads: int | None, settings: Settings) -> int:
    """gunicorn in the foreground; SIGINT/SIGTERM make it stop gracefully. Returns its status."""
    command, extra = gunicorn_command(host, port, workers, threads)
    chosen = int(extra.get("WEB_CONCURRENCY") or os.environ.get("WEB_CONCURRENCY") or 1)  # conf: 1 without Redis
    problem = per_process_store_problem(os.environ, chosen)
    if problem:
        raise CliError(f"{problem} (--workers 1)")
    shipper = start_shipper(settings, ecs_log_group(settings), get_ui().warn)
    # gunicorn logs to stdout; ours is reserved for --json, so its log goes to stderr
    # (through a pipe we copy from when its lines also go to CloudWatch Logs).
    process = subprocess.Popen(
        command, cwd=repository_root(), env={**os.environ, **extra},
        stdout=subprocess.PIPE if shipper else sys.stderr.fileno(), stderr=subprocess.STDOUT if shipper else None,
    )
    relay = _relay_output(process, shipper, ecs_stream()) if shipper else None

    def forward(signum: int, frame: FrameType | None) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not wait_for_port(host, port, process, timeout=60):
            raise CliError(f"gunicorn exited with status {process.returncode} before listening: see its log above")
        _announce("ecs", f"http://{host}:{port}", {"workers": extra.get("WEB_CONCURRENCY"),
                                                   "threads": extra.get("GUNICORN_THREADS"),
                                                   "log_group": shipper.group if shipper else None})
        status = process.wait()
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if relay is not None:
            relay.join(5)
        if shipper is not None:
            shipper.close()
    return 0 if status in (0, -signal.SIGTERM, -signal.SIGINT) else status


def _relay_output(process: subprocess.Popen[bytes], shipper: LogShipper, stream: str) -> threading.Thread:
    """Copy gunicorn's output to our stderr and ship each line, as the awslogs driver reads a task's."""
    source: IO[bytes] | None = process.stdout
    assert source is not None

    def relay() -> None:
        for raw in iter(lambda: source.readline(MAX_MESSAGE_BYTES), b""):  # a longer line ships in pieces
            with contextlib.suppress(OSError, ValueError, AttributeError):  # never stop reading: gunicorn would block
                sys.stderr.buffer.write(raw)
                sys.stderr.buffer.flush()
            shipper.put(stream, raw.decode(errors="replace").rstrip("\r\n"))

    thread = threading.Thread(target=relay, name="gunicorn output", daemon=True)
    thread.start()
    return thread


def run_lambda(
    host: str, port: int, *, handler: str, package: Path | None, stage: str, function_name: str,
    region: str, concurrency: int, timeout: float, memory: int, log_group: str | None, settings: Settings,
) -> None:
    """The API Gateway + Lambda emulator in the foreground until Ctrl-C/SIGTERM."""
    scratch = Path(tempfile.mkdtemp(prefix="shopbot-lambda-"))
    # SIGTERM while unpacking a package (seconds for a real one) still removes the scratch dir.
    previous = signal.signal(signal.SIGTERM, _stop_during_setup)
    shipper: LogShipper | None = None
    try:
        code_dir = _code_dir(package, scratch)
        runtime = runtime_dir(scratch) if package is not None else None
        check_handler(handler, code_dir, runtime)
        tmp_dir = scratch / "tmp"
        tmp_dir.mkdir()
        function = FunctionConfig(
            handler=handler, code_dir=code_dir, tmp_dir=tmp_dir, function_name=function_name,
            memory_mb=memory, timeout_s=timeout, region=region, concurrency=concurrency,
            user_env=dict(os.environ), runtime_dir=runtime, log_group=log_group,
        )
        shipper = start_shipper(settings, function.group, get_ui().warn)
        emulator = LambdaEmulator(function, GatewayConfig(stage=stage, region=region), _log_line,
                                  shipper.put if shipper else None)
        details = {"handler": handler, "stage": stage, "concurrency": concurrency, "timeout": timeout,
                   "memory": memory, "code_dir": str(code_dir), "log_group": function.group if shipper else None}
        try:
            asyncio.run(serve_until_signalled(emulator, host, port, lambda url: _announce("lambda", url, details)))
        except OSError as error:
            raise CliError(f"cannot listen on {host}:{port} ({error.strerror}): pick another --port") from error
    finally:
        signal.signal(signal.SIGTERM, previous)
        if shipper is not None:
            shipper.close()
        remove_tree(scratch)


def _stop_during_setup(signum: int, frame: FrameType | None) -> None:
    raise typer.Exit(0)


def _code_dir(package: Path | None, scratch: Path) -> Path:
    if package is None:
        return repository_root()
    if not package.is_file():
        raise CliError(f"--package {package}: no such file (build one with `shopbot build`)")
    try:
        return unpack_package(package, scratch)
    except zipfile.BadZipFile as error:
        raise CliError(f"--package {package}: not a zip file ({error}); rebuild it with `shopbot build`") from error
    except PackageLayoutError as error:
        raise CliError(f"--package {package}: {error}; Lambda cannot unpack it either: "
                       "rebuild it with `shopbot build`") from error


_FIND_SPEC = """
import importlib.util, sys
try:
    found = importlib.util.find_spec(sys.argv[1]) is not None
except ModuleNotFoundError:
    found = False
except Exception:
    found = True  # it exists but fails to import: Lambda reports that as an init error
sys.exit(0 if found else 3)
"""


def check_handler(handler: str, code_dir: Path, runtime: Path | None = None) -> None:
    """A handler path that names no module is a typo: say so before serving anything."""
    module, _, function = handler.rpartition(".")
    if not module or not function:
        raise CliError(f"--handler {handler!r} must be module.function (e.g. {DEFAULT_HANDLER})")
    extra = str(runtime) if runtime is not None else os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code_dir), extra]))}
    isolation = ["-S"] if runtime is not None else []
    result = subprocess.run(
        [sys.executable, *isolation, "-c", _FIND_SPEC, module], cwd=code_dir, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    if result.returncode != 0:
        where = f"{code_dir}" if runtime is not None else f"{code_dir} or the environment"
        raise CliError(f"--handler {handler!r}: no module '{module}' in {where}; "
                       "check the spelling (module.function)")


def _announce(target: str, url: str, details: dict[str, object]) -> None:
    ui = get_ui()
    ui.success(f"{target} target listening on {url} (Ctrl-C to stop)")
    if details.get("log_group"):
        ui.info(f"   its logs also go to CloudWatch Logs {details['log_group']} on the local AWS")
    ui.emit_json({"target": target, "url": url, "pid": os.getpid(), **details})


def _log_line(line: str) -> None:
    """Lambda's START/END/REPORT lines go to stderr, where CloudWatch's would be."""
    stream = get_ui().stderr.file
    stream.write(line + "\n")
    stream.flush()


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=examples(
        "shopbot serve --target ecs --port 8080 --workers 2 --threads 4",
        "shopbot serve --target lambda --reload                # restart when shopbot/ changes",
        "shopbot serve --target lambda --package dist/shopbot-lambda-3.12-x86_64.zip",
    ))(serve)
