"""The one Lambda Invoke call `shopbot invoke` makes, with its faults as one clear line each."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions

from ..aws import AwsClients, aws_errors, error_code, patient_client
from ..errors import CliError, ConfigError
from .outcome import Answer

MAX_EVENT_BYTES = 6_291_456  # Lambda's synchronous request limit


def invoke(clients: AwsClients, function: str, qualifier: str | None, event: Any, *, wait_seconds: float,
           endpoint_url: str | None = None) -> Answer:
    body = json.dumps(event).encode()
    if len(body) > MAX_EVENT_BYTES:
        raise CliError(f"the event is {len(body)} bytes: Lambda accepts at most {MAX_EVENT_BYTES}")
    client = patient_client(clients, "lambda", read_timeout=wait_seconds, endpoint_url=endpoint_url)
    request: dict[str, Any] = {"FunctionName": function, "InvocationType": "RequestResponse", "Payload": body}
    if qualifier:
        request["Qualifier"] = qualifier
    named = f"{function}:{qualifier}" if qualifier else function
    try:
        with aws_errors(f"invoking Lambda {named} (needs lambda:InvokeFunction)"):
            try:
                response = client.invoke(**request)
            except botocore.exceptions.ReadTimeoutError:
                raise CliError(f"no answer from Lambda {named} after {wait_seconds:.0f}s: the command may still be "
                               "running; follow it with `shopbot logs --target lambda --follow`, or raise "
                               "--wait") from None
    except CliError as error:
        cause = error.__cause__
        if isinstance(cause, botocore.exceptions.ClientError) and error_code(cause) == "ResourceNotFoundException":
            raise ConfigError(f"Lambda function {named} not found: check `lambda_function`/`lambda_alias` "
                              "(or --qualifier)") from None
        raise
    payload = response["Payload"].read()
    return Answer(response.get("FunctionError"), payload)
