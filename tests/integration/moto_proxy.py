"""A small HTTP proxy in front of moto, for the few AWS behaviours moto does not have.

Every request goes on to moto unchanged; a subclass overrides `exchange` to answer some
requests itself or to change moto's answer the way AWS would (CloudFront's ETag rules, ECS
task start times). Real HTTP on loopback, real botocore on the client side.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive", "server", "date"}
Answer = tuple[int, dict[str, str], bytes]


class MotoProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy.lock:
                    status, headers, answer = proxy.exchange(self, body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def exchange(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        """Answer one request (under the proxy's lock); by default, moto's answer as it is."""
        return self.forward(request, body)

    def forward(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        answer = requests.request(request.command, self.upstream + request.path, data=body, timeout=30,
                                  headers={k: v for k, v in request.headers.items() if k.lower() != "host"})
        return answer.status_code, {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}, answer.content

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
