"""Execution environments: `python -m awslambdaric <handler>` processes, like Lambda's.

A worker is one process with its own Runtime API server; it runs one invocation at a time.
The pool keeps up to `concurrency` of them (like reserved concurrency): a request takes an
idle worker, or starts a new one (a cold start), or waits for one. A function timeout
kills the worker, as Lambda does, so the next request starts cold. Each invocation ends
with Lambda's START/END/REPORT log lines. Given a `Ship` hook, a worker also sends those
lines and its runtime's output to its own log stream, as Lambda does per environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .runtime_api import ACCEPTED, Answer, Deliver, Delivery, RuntimeApiServer

# Lambda's synchronous response limit: "6 MB" is 6,291,556 bytes in its own error message.
RESPONSE_LIMIT = 6_291_556
ACCOUNT_ID = "123456789012"

OutcomeKind = Literal["ok", "error", "timeout", "too_large", "init_error", "crash"]
Log = Callable[[str], None]
Ship = Callable[[str, str], None]  # (log stream, line): e.g. LogShipper.put
OUTPUT_CHUNK = 65_536
LONGEST_LINE = 262_144  # CloudWatch Logs' event size


@dataclass(frozen=True)
class FunctionConfig:
    """The function as Lambda would know it, plus where its code lives here."""

    handler: str
    code_dir: Path
    tmp_dir: Path
    function_name: str = "shopbot"
    memory_mb: int = 512
    timeout_s: float = 30.0
    region: str = "us-east-1"
    concurrency: int = 1
    user_env: Mapping[str, str] = field(default_factory=dict)
    python: str = sys.executable
    # Set for --package: run with `python -S` so only the zip and these runtime modules
    # (awslambdaric, the AWS SDK) are importable, as on Lambda.
    runtime_dir: Path | None = None
    output_fd: int = 2  # the runtime's stdout/stderr (CloudWatch on AWS) go to our stderr
    log_group: str | None = None  # default /aws/lambda/<function_name>, as on Lambda

    @property
    def group(self) -> str:
        return self.log_group or f"/aws/lambda/{self.function_name}"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"


@dataclass(frozen=True)
class Outcome:
    """How one invocation ended, as API Gateway sees it."""

    kind: OutcomeKind
    payload: bytes = b""
    error_type: str | None = None


def log_stream_name() -> str:
    """A new execution environment's log stream, named as Lambda names it."""
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[$LATEST]{secrets.token_hex(16)}"


def lambda_environment(config: FunctionConfig, runtime_api: str, stream: str | None = None) -> dict[str, str]:
    """The runtime's environment: the user's variables under Lambda's reserved ones."""
    env = dict(config.user_env)
    python_path = [str(config.code_dir)]
    if config.runtime_dir is not None:
        python_path.append(str(config.runtime_dir))
    elif env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": config.group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream or log_stream_name(),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "LAMBDA_TASK_ROOT": str(config.code_dir),
            "LAMBDA_RUNTIME_DIR": str(Path(config.python).parent),
            "_HANDLER": config.handler,
            "APP_ENV": "lambda",
            "TMPDIR": str(config.tmp_dir),
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(python_path),
            # /var/task is read-only on Lambda: bytecode shipped is read, none is written.
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    future: asyncio.Future[Outcome]
    delivered_at: float = 0.0
    timer: asyncio.TimerHandle | None = None


class Worker:
    """One execution environment: a runtime process and the Runtime API it polls."""

    def __init__(self, config: FunctionConfig, log: Log, ship: Ship | None = None) -> None:
        self._config = config
        self._log_line = log
        self._ship = ship
        self.stream = log_stream_name()
        self._output: asyncio.Task[None] | None = None
        self._server = RuntimeApiServer(self)
        self._current: _Invocation | None = None
        self._pending: _Invocation | None = None  # assigned, the runtime not yet asking
        self._deliver: Deliver | None = None  # the runtime asking, nothing assigned yet
        self._process: asyncio.subprocess.Process | None = None
        self._spawned_at = 0.0
        self.init_ms: float | None = None
        self._init_reported = False
        self._init_failure: Outcome | None = None
        self.alive = True
        self._status_fd: int | None = None  # /proc/<pid>/status, kept open: read per REPORT
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        port = await self._server.start()
        env = lambda_environment(self._config, f"127.0.0.1:{port}", self.stream)
        self._spawned_at = time.perf_counter()
        isolation = ["-S"] if self._config.runtime_dir is not None else []
        # Shipping reads the runtime's output through a pipe; otherwise it goes straight to ours.
        output = asyncio.subprocess.PIPE if self._ship is not None else self._config.output_fd
        self._process = await asyncio.create_subprocess_exec(
            self._config.python, *isolation, "-m", "awslambdaric", self._config.handler,
            cwd=str(self._config.code_dir), env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=output,
            stderr=asyncio.subprocess.STDOUT if self._ship is not None else output,
            start_new_session=True,  # Ctrl-C reaches `serve`, which stops the workers itself
        )
        loop = asyncio.get_running_loop()
        self._watcher = loop.create_task(self._watch_exit(self._process))
        if self._process.stdout is not None:
            self._output = loop.create_task(self._relay_output(self._process.stdout))

    def _log(self, text: str) -> None:
        """A line of Lambda's own (START/END/REPORT...): to our log, and to this environment's stream."""
        self._log_line(text)
        if self._ship is not None:
            for line in text.split("\n"):
                self._ship(self.stream, line)

    async def _relay_output(self, reader: asyncio.StreamReader) -> None:
        """The runtime's output, line by line: copied to ours and shipped to this environment's stream."""
        assert self._ship is not None
        carry = b""
        while chunk := await reader.read(OUTPUT_CHUNK):
            with contextlib.suppress(OSError):
                os.write(self._config.output_fd, chunk)
            lines = chunk.split(b"\n")  # only the new bytes: a long line is not copied again per chunk
            lines[0] = carry + lines[0]
            carry = lines.pop()
            if len(carry) >= LONGEST_LINE:  # ship a very long line in pieces, as the awslogs driver does
                lines.append(carry)
                carry = b""
            for line in lines:
                self._ship(self.stream, line.decode(errors="replace").rstrip("\r"))
        if carry:
            self._ship(self.stream, carry.decode(errors="replace"))

    def begin(self, event: bytes) -> asyncio.Future[Outcome]:
        """Start one invocation; the future resolves when it ends (answer, error, timeout, crash)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        if self._init_failure is not None or not self.alive:
            future.set_result(self._init_failure or Outcome("crash", error_type="Runtime.ExitError"))
            return future
        invocation = _Invocation(str(uuid.uuid4()), event, future)
        self._current = invocation
        future.add_done_callback(lambda _: self._clear(invocation))
        if self._deliver is not None:
            deliver, self._deliver = self._deliver, None
            self._start(invocation, deliver)
        else:
            self._pending = invocation
        return future

    def _clear(self, invocation: _Invocation) -> None:
        if self._current is invocation:
            self._current = self._pending = None

    async def stop(self) -> None:
        self.alive = False
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        if self._output is not None:  # EOF follows the exit, unless a grandchild holds the pipe
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._output, 2.0)
        await self._server.close()

    # -- Runtime API callbacks -------------------------------------------------------------

    def on_next(self, deliver: Deliver) -> None:
        if self.init_ms is None:
            self.init_ms = (time.perf_counter() - self._spawned_at) * 1000
        if self._pending is not None:
            invocation, self._pending = self._pending, None
            self._start(invocation, deliver)
        else:
            self._deliver = deliver

    def _start(self, invocation: _Invocation, deliver: Deliver) -> None:
        invocation.delivered_at = time.perf_counter()
        invocation.timer = asyncio.get_running_loop().call_later(
            self._config.timeout_s, self._time_out, invocation
        )
        self._log(f"START RequestId: {invocation.request_id} Version: $LATEST")
        deadline_ms = int((time.time() + self._config.timeout_s) * 1000)
        deliver(Delivery(invocation.request_id, invocation.event, deadline_ms, self._config.arn, _trace_id()))

    def on_response(self, request_id: str, body: bytes) -> Answer:
        invocation = self._current
        if invocation is None or invocation.request_id != request_id or invocation.future.done():
            return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
        if len(body) > RESPONSE_LIMIT:
            message = f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes)."
            self._finish(invocation, Outcome("too_large", error_type="Function.ResponseSizeTooLarge"))
            self.alive = False  # awslambdaric exits on this answer; Lambda resets the environment
            return 413, {"errorMessage": message, "errorType": "RequestEntityTooLarge"}
        self._finish(invocation, Outcome("ok", body))
        return ACCEPTED

    def on_error(self, request_id: str, body: bytes, error_type: str) -> Answer:
        invocation = self._current
        if invocation is None or invocation.request_id != request_id or invocation.future.done():
            return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
        self._finish(invocation, Outcome("error", body, error_type))
        return ACCEPTED

    def on_init_error(self, body: bytes, error_type: str) -> Answer:
        init_ms = (time.perf_counter() - self._spawned_at) * 1000
        self._init_reported = True
        self._log(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {error_type}")
        self._init_failure = Outcome("init_error", body, error_type)
        self.alive = False  # the runtime exits; the next request starts a fresh environment
        if self._current is not None and not self._current.future.done():
            self._finish(self._current, self._init_failure)
        return ACCEPTED

    # -- internals ---------------------------------------------------------------------------

    def _time_out(self, invocation: _Invocation) -> None:
        if invocation.future.done():
            return
        seconds = self._config.timeout_s
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
        self._log(f"{stamp} {invocation.request_id} Task timed out after {seconds:.2f} seconds")
        self.alive = False
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
        message = f"{stamp} {invocation.request_id} Task timed out after {seconds:.2f} seconds"
        self._finish(invocation, Outcome("timeout", f'{{"errorMessage":"{message}"}}'.encode(), "Sandbox.Timedout"))

    def _finish(self, invocation: _Invocation, outcome: Outcome) -> None:
        if invocation.timer is not None:
            invocation.timer.cancel()
        if invocation.delivered_at:
            self._report(invocation, outcome)
        if not invocation.future.done():
            invocation.future.set_result(outcome)

    def _report(self, invocation: _Invocation, outcome: Outcome) -> None:
        duration = (time.perf_counter() - invocation.delivered_at) * 1000
        parts = [
            f"REPORT RequestId: {invocation.request_id}",
            f"Duration: {duration:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(duration))} ms",
            f"Memory Size: {self._config.memory_mb} MB",
            f"Max Memory Used: {self._max_memory_mb()} MB",
        ]
        if not self._init_reported and self.init_ms is not None:
            parts.append(f"Init Duration: {self.init_ms:.2f} ms")
            self._init_reported = True
        if outcome.kind == "timeout":
            parts.append("Status: timeout")
        elif outcome.kind in ("crash", "too_large"):
            parts.append("Status: error")
        self._log(f"END RequestId: {invocation.request_id}\n" + "\t".join(parts))

    def _max_memory_mb(self) -> int:
        """Peak resident memory of the runtime process (VmHWM), like Lambda's figure."""
        if self._process is None:
            return 0
        try:
            if self._status_fd is None:
                self._status_fd = os.open(f"/proc/{self._process.pid}/status", os.O_RDONLY)
            status = os.pread(self._status_fd, 4096, 0)
        except OSError:
            return 0
        start = status.find(b"VmHWM:")
        if start < 0:
            return 0
        return math.ceil(int(status[start + 6 : status.index(b"kB", start)]) / 1024)

    async def _watch_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        self.alive = False
        invocation = self._current
        if invocation is not None and not invocation.future.done():
            if self._init_failure is not None:
                self._finish(invocation, self._init_failure)
            else:
                self._log(f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status {code}")
                self._finish(invocation, Outcome("crash", error_type="Runtime.ExitError"))
        elif self._init_failure is None and self.init_ms is None:
            self._init_failure = Outcome("init_error", error_type="Runtime.ExitError")
        if self._status_fd is not None:
            os.close(self._status_fd)
            self._status_fd = None
        await self._server.close()


class WorkerPool:
    """Up to `concurrency` workers; requests beyond that wait for a free one (FIFO).

    Scheduling is done in callbacks, not tasks: a warm request costs no task switch.
    """

    def __init__(self, config: FunctionConfig, log: Log, ship: Ship | None = None) -> None:
        self.config = config
        self._log = log
        self._ship = ship
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()
        self._queue: deque[tuple[bytes, asyncio.Future[Outcome]]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self.cold_starts = 0
        self._closed = False

    def submit(self, event: bytes) -> asyncio.Future[Outcome]:
        """Queue one invocation; the future resolves with its outcome."""
        result: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        if self._closed:
            result.set_result(Outcome("crash", error_type="Emulator.Stopped"))
            return result
        self._queue.append((event, result))
        self._dispatch()
        return result

    def _dispatch(self) -> None:
        while self._queue and (self._idle or len(self._workers) < self.config.concurrency):
            event, result = self._queue.popleft()
            if result.done():
                continue  # the caller gave up (shutdown)
            worker = self._take_idle()
            if worker is not None:
                self._run(worker, event, result)
                continue
            worker = Worker(self.config, self._log, self._ship)
            self._workers.add(worker)
            self.cold_starts += 1
            task = asyncio.get_running_loop().create_task(self._cold_start(worker, event, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _cold_start(self, worker: Worker, event: bytes, result: asyncio.Future[Outcome]) -> None:
        try:
            await worker.start()
        except OSError as error:
            self._log(f"could not start a worker: {error}")
            self._workers.discard(worker)
            if not result.done():
                result.set_result(Outcome("crash", error_type="Runtime.ExitError"))
            self._dispatch()
            return
        self._run(worker, event, result)

    def _run(self, worker: Worker, event: bytes, result: asyncio.Future[Outcome]) -> None:
        def done(finished: asyncio.Future[Outcome]) -> None:
            if not result.done():
                result.set_result(finished.result())
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                self._retire(worker)
            self._dispatch()

        worker.begin(event).add_done_callback(done)

    def _retire(self, worker: Worker) -> None:
        self._workers.discard(worker)
        task = asyncio.get_running_loop().create_task(worker.stop())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _take_idle(self) -> Worker | None:
        while self._idle:
            worker = self._idle.pop()  # most recently used first: keeps warm workers warm
            if worker.alive:
                return worker
            self._retire(worker)
        return None

    @property
    def size(self) -> int:
        return sum(1 for worker in self._workers if worker.alive)

    async def close(self) -> None:
        self._closed = True
        while self._queue:
            _event, result = self._queue.popleft()
            if not result.done():
                result.set_result(Outcome("crash", error_type="Emulator.Stopped"))
        workers = list(self._workers)
        self._workers.clear()
        self._idle.clear()
        await asyncio.gather(*(worker.stop() for worker in workers), *self._tasks, return_exceptions=True)


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
