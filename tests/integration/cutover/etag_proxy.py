"""CloudFront's real ETag rules in front of moto (which never changes an ETag and accepts a stale one).

Every request goes on to moto unchanged, except CloudFront distribution reads and writes. Each
distribution has a version; reads answer ETag `<id>-v<version>`; an update whose If-Match is not
the current ETag answers 412 PreconditionFailed (as CloudFront does) and changes nothing; an
accepted update bumps the version.
"""

from __future__ import annotations

import re
from http.server import BaseHTTPRequestHandler

from tests.integration.moto_proxy import Answer, MotoProxy

_DISTRIBUTION = re.compile(r"^/2020-05-31/distribution/([A-Z0-9]+)(/config)?$")
PRECONDITION_FAILED = (
    '<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error>'
    "<Type>Sender</Type><Code>PreconditionFailed</Code><Message>The precondition given in one or more of the "
    "request-header fields evaluated to false.</Message></Error><RequestId>etag-proxy</RequestId></ErrorResponse>"
)


class EtagProxy(MotoProxy):
    def __init__(self, upstream: str) -> None:
        self.versions: dict[str, int] = {}
        self.refused = 0
        super().__init__(upstream)

    def etag(self, distribution_id: str) -> str:
        return f"{distribution_id}-v{self.versions.setdefault(distribution_id, 1)}"

    def exchange(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        match = _DISTRIBUTION.match(request.path.split("?", 1)[0])
        if match and request.command == "PUT" and request.headers.get("If-Match") != self.etag(match.group(1)):
            self.refused += 1
            return 412, {"Content-Type": "text/xml"}, PRECONDITION_FAILED.encode()
        status, headers, answer = self.forward(request, body)
        if match and status < 300:
            if request.command == "PUT":
                self.versions[match.group(1)] = self.versions.get(match.group(1), 1) + 1
            headers["ETag"] = self.etag(match.group(1))
        return status, headers, answer
