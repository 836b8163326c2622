"""CloudFront's real ETag rules in front of moto (which never changes an ETag and accepts a stale one).

A small HTTP proxy: every request goes on to moto unchanged, except CloudFront distribution
reads and writes. Each distribution has a version; reads answer ETag `<id>-v<version>`; an
update whose If-Match is not the current ETag answers 412 PreconditionFailed (as CloudFront
does) and changes nothing; an accepted update bumps the version.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

_DISTRIBUTION = re.compile(r"^/2020-05-31/distribution/([A-Z0-9]+)(/config)?$")
_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive", "server", "date"}
PRECONDITION_FAILED = (
    '<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error>'
    "<Type>Sender</Type><Code>PreconditionFailed</Code><Message>The precondition given in one or more of the "
    "request-header fields evaluated to false.</Message></Error><RequestId>etag-proxy</RequestId></ErrorResponse>"
)


class EtagProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.versions: dict[str, int] = {}
        self.refused = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def etag(self, distribution_id: str) -> str:
        return f"{distribution_id}-v{self.versions.setdefault(distribution_id, 1)}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        match = _DISTRIBUTION.match(request.path.split("?", 1)[0])
        with self.lock:
            if match and request.command == "PUT" and request.headers.get("If-Match") != self.etag(match.group(1)):
                self.refused += 1
                self._answer(request, 412, {"Content-Type": "text/xml"}, PRECONDITION_FAILED.encode())
                return
            answer = requests.request(request.command, self.upstream + request.path, data=body, timeout=30,
                                      headers={k: v for k, v in request.headers.items() if k.lower() != "host"})
            headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            if match and answer.status_code < 300:
                if request.command == "PUT":
                    self.versions[match.group(1)] = self.versions.get(match.group(1), 1) + 1
                headers["ETag"] = self.etag(match.group(1))
        self._answer(request, answer.status_code, headers, answer.content)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        request.send_response(status)
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
