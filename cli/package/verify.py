"""`--verify`: prove the zip is complete before anyone uploads it.

Unpacks the zip into a temporary directory and, under an interpreter of the target version
started with `-I -S -B` (nothing from this machine's site-packages; no bytecode written, as
/var/task is read-only on Lambda), imports `shopbot.lambda_handler` and invokes `handler` with
HTTP API 2.0 events for `GET /health` and `POST /api/chat`. Next to the package sits only
what the Lambda runtime itself provides (the pinned boto3/botocore/s3transfer/jmespath,
from the same target wheels) - Powertools' Logger imports jmespath, as it would on Lambda.
It also lists the package's modules compiled from source during that cold import: with
target bytecode present there are none.
"""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CliError, ExitStatus
from .bytecode import clean_env
from .target import Interpreter, Target, host_arch

_RUNNER = r"""
import _frozen_importlib_external as external
import json, os, sys, time
out, package, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path[:0] = [package, *extra]
compiled = []
original = external.SourceLoader.source_to_code
def counting(self, data, path, *args, **kwargs):
    if str(path).startswith(package + os.sep):  # the runtime's own SDK is precompiled on Lambda
        compiled.append(os.path.relpath(path, package))
    return original(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = counting

def event(method, path, body=None):
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "cookies": [],
        "headers": {"host": "verify.execute-api.us-east-1.amazonaws.com", "content-type": "application/json",
                    "user-agent": "shopbot-build-verify"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "verify", "domainName": "verify.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "verify", "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "shopbot-build-verify"}, "requestId": "verify-" + path,
            "routeKey": "$default", "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
        "body": json.dumps(body) if body is not None else "", "isBase64Encoded": False,
    }

class Context:
    function_name = "shopbot-verify"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shopbot-verify"
    aws_request_id = "verify"
    log_group_name = log_stream_name = "verify"
    def get_remaining_time_in_millis(self):
        return 30000

report = {"python": sys.version.split()[0]}
started = time.perf_counter()
import importlib
module = importlib.import_module("shopbot.lambda_handler")
report["import_seconds"] = round(time.perf_counter() - started, 3)
report["compiled_at_import"] = sorted(compiled)
calls = {}
for name, (method, path, body) in {"health": ("GET", "/health", None),
                                   "chat": ("POST", "/api/chat", {"message": "running shoes"})}.items():
    response = module.handler(event(method, path, body), Context())
    calls[name] = {"status": response.get("statusCode"), "headers": response.get("headers") or {},
                   "body": response.get("body") or ""}
report["calls"] = calls
import sysconfig
ours = [os.path.realpath(p) + os.sep for p in (package, *extra)]
stdlib = [os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")]
files = {os.path.realpath(m.__file__) for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
report["foreign"] = sorted(f for f in files if not f.startswith(tuple(ours))
                           and (not f.startswith(tuple(stdlib)) or os.sep + "site-packages" + os.sep in f))
report["sdk_imported"] = sorted(n for n in ("boto3", "botocore", "s3transfer", "jmespath") if n in sys.modules)
with open(out, "w") as handle:
    json.dump(report, handle)
"""


@dataclass(frozen=True)
class Verification:
    interpreter: str
    import_seconds: float
    compiled_at_import: list[str]
    health_status: int
    chat_status: int
    chat_products: int
    sdk_imported: list[str]       # runtime-provided modules the handler pulled in (cold-start cost)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": True, "interpreter": self.interpreter, "import_seconds": self.import_seconds,
            "compiled_at_import": len(self.compiled_at_import), "health_status": self.health_status,
            "chat_status": self.chat_status, "chat_products": self.chat_products,
            "sdk_imported": self.sdk_imported,
        }


def require_interpreter(interpreter: Interpreter | None, python: str) -> Interpreter:
    if interpreter is None:
        raise CliError(
            f"cannot verify: no CPython {python} found on PATH or under pyenv (install python{python}, "
            f"e.g. `pyenv install {python}`, and rerun); the package was NOT verified",
            ExitStatus.UNVERIFIED,
        )
    return interpreter


def require_native_arch(target: Target) -> None:
    """Native wheels of another architecture cannot load here: say so rather than fail oddly."""
    if host_arch() != target.arch:
        raise CliError(
            f"cannot verify an {target.arch} package on this {platform.machine()} machine (its native wheels "
            f"cannot load here): verify on an {target.arch} machine; the package was NOT verified",
            ExitStatus.UNVERIFIED,
        )


def verify_package(zip_path: Path, interpreter: Interpreter, runtime: list[Path]) -> Verification:
    """Unpack, invoke the handler in isolation; CliError(DIFFERENCES) when it is not right."""
    with tempfile.TemporaryDirectory(prefix="shopbot-verify-") as scratch:
        task = Path(scratch, "task")
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(task)
        report_path = Path(scratch, "report.json")
        env = {**clean_env(), "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "shopbot-verify",
               "LAMBDA_TASK_ROOT": str(task), "HOME": scratch}
        result = subprocess.run(
            [str(interpreter.path), "-I", "-S", "-B", "-c", _RUNNER, str(report_path), str(task), *map(str, runtime)],
            capture_output=True, text=True, env=env, cwd=scratch, timeout=300, check=False,
        )
        if result.returncode != 0 or not report_path.is_file():
            raise CliError(f"verify failed: the handler did not run under {interpreter.label}: "
                           f"{_last_line(result.stderr)}", ExitStatus.DIFFERENCES)
        report = json.loads(report_path.read_text())
    return _judge(report, interpreter)


def _judge(report: dict[str, Any], interpreter: Interpreter) -> Verification:
    calls = report["calls"]
    health, chat = calls["health"], calls["chat"]
    if health["status"] != 200:
        raise CliError(f"verify failed: GET /health answered {health['status']}: {health['body'][:200]}",
                       ExitStatus.DIFFERENCES)
    served_by = {name.lower(): value for name, value in health["headers"].items()}.get("x-shopbot-target")
    if served_by != "lambda":
        raise CliError(f"verify failed: /health says X-Shopbot-Target {served_by!r}, not 'lambda': the handler "
                       "did not load the Lambda config", ExitStatus.DIFFERENCES)
    try:
        products = json.loads(chat["body"]).get("products") or []
    except ValueError:
        products = []
    if chat["status"] != 200 or not products:
        raise CliError(f"verify failed: POST /api/chat answered {chat['status']} with {len(products)} products: "
                       f"{chat['body'][:200]}", ExitStatus.DIFFERENCES)
    if report["foreign"]:
        raise CliError(f"verify failed: modules came from outside the package: {report['foreign'][:3]}",
                       ExitStatus.DIFFERENCES)
    return Verification(
        interpreter.label, float(report["import_seconds"]), list(report["compiled_at_import"]),
        int(health["status"]), int(chat["status"]), len(products), list(report["sdk_imported"]),
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
