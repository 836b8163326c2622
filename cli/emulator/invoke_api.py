"""The Lambda Invoke API on the emulator's port, as `sam local start-lambda` offers it.

`POST /2015-03-31/functions/{name}/invocations` with the event as the body runs the
function once through the same worker pool API Gateway requests use, so
`boto3.client("lambda", endpoint_url=...).invoke(...)` and `shopbot invoke` work locally.
Answers follow the Lambda API: 200 with the payload; a handler error, timeout or crash is
200 with `X-Amz-Function-Error: Unhandled` and the error document; `Event` invocations
answer 202 and run on; `DryRun` answers 204. An unknown function is 404
ResourceNotFoundException, a body that is not JSON 400 InvalidRequestContentException,
an event over 6 MB 413 RequestTooLargeException (`x-amzn-ErrorType` names the error,
which is how botocore reads it). The gateway hands such requests here and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import unquote

from .events import HttpAnswer
from .httpio import Request
from .workers import Outcome, WorkerPool

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/?]+)/invocations(?:\?.*)?$")
REQUEST_LIMIT = 6_291_456
_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:(?P<name>[^:]+)(?::[^:]+)?$")


def is_invoke(request: Request) -> bool:
    return request.method == "POST" and INVOKE_PATH.match(request.target) is not None


def _json(status: int, document: dict[str, object], *headers: tuple[str, str]) -> HttpAnswer:
    body = json.dumps(document, separators=(",", ":")).encode()
    return HttpAnswer(status, [("content-type", "application/json"), *headers], body)


def _api_error(status: int, kind: str, message: str) -> HttpAnswer:
    return _json(status, {"Type": "User", "message": message}, ("x-amzn-ErrorType", kind))


def function_named(target: str) -> str:
    """The function name in an invoke path: a name, `name:qualifier`, or an ARN."""
    match = INVOKE_PATH.match(target)
    raw = unquote(match.group("name")) if match else ""
    arn = _ARN.match(raw)
    return arn.group("name") if arn else raw.split(":", 1)[0]


def answer_outcome(outcome: Outcome, request_id: str) -> HttpAnswer:
    """One finished invocation as the Invoke API reports it."""
    common = [("x-amzn-RequestId", request_id), ("X-Amz-Executed-Version", "$LATEST")]
    if outcome.kind == "ok":
        return HttpAnswer(200, [("content-type", "application/json"), *common], outcome.payload)
    error_type = outcome.error_type or {"crash": "Runtime.ExitError", "timeout": "Sandbox.Timedout"}.get(
        outcome.kind, "Runtime.Unknown")
    try:
        document = json.loads(outcome.payload or b"{}")
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {}
    if not isinstance(document.get("errorType"), str) or not document["errorType"]:
        document["errorType"] = error_type
    if not isinstance(document.get("errorMessage"), str) or not document["errorMessage"]:
        document["errorMessage"] = f"RequestId: {request_id} Error: {document['errorType']}"
    return _json(200, document, ("X-Amz-Function-Error", "Unhandled"), *common)


def handle(pool: WorkerPool, request: Request, request_id: str, respond: Callable[[HttpAnswer], None]) -> None:
    """Answer one Invoke API request through `respond`, exactly once."""
    name = function_named(request.target)
    if name != pool.config.function_name:
        respond(_api_error(404, "ResourceNotFoundException",
                           f"Function not found: {pool.config.arn.rsplit(':', 1)[0]}:{name}"))
        return
    if len(request.body) > REQUEST_LIMIT:
        respond(_api_error(413, "RequestTooLargeException",
                           f"Request must be smaller than {REQUEST_LIMIT} bytes for the InvokeFunction operation"))
        return
    payload = request.body or b"{}"
    try:
        json.loads(payload)
    except ValueError:
        respond(_api_error(400, "InvalidRequestContentException", "Could not parse request body into json"))
        return
    kind = (request.header("x-amz-invocation-type") or "RequestResponse").strip()
    if kind == "DryRun":
        respond(HttpAnswer(204, [("x-amzn-RequestId", request_id)]))
        return
    if kind not in ("RequestResponse", "Event"):
        respond(_api_error(400, "InvalidParameterValueException", f"Unsupported invocation type {kind}"))
        return
    running = pool.submit(payload)
    if kind == "Event":
        respond(HttpAnswer(202, [("x-amzn-RequestId", request_id)]))
        return
    running.add_done_callback(lambda done: respond(answer_outcome(done.result(), request_id)))
