"""Wheel downloads over kept-alive connections, against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from shopbot_cli.errors import CliError
from shopbot_cli.package import resolve

WHEEL = b"PK wheel bytes " * 5000


class _Index(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive
    connections: ClassVar[set[int]] = set()

    def do_GET(self) -> None:
        _Index.connections.add(self.client_address[1])
        if self.path.startswith("/moved/"):
            self.send_response(302)
            self.send_header("Location", self.path.replace("/moved/", "/files/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self.path.startswith("/files/"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(WHEEL)))
        self.end_headers()
        self.wfile.write(WHEEL)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Index.connections = set()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_wheels_download_checked_over_one_connection(index: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolve, "_connections", threading.local())
    digest = hashlib.sha256(WHEEL).hexdigest()
    arrived: list[str] = []
    for name in ("a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl", "c-1.0-py3-none-any.whl"):
        resolve._fetch(f"{index}/files/{name}", digest, tmp_path, lambda path: arrived.append(path.name))
    assert sorted(path.name for path in tmp_path.iterdir()) == arrived == ["a-1.0-py3-none-any.whl",
                                                                          "b-1.0-py3-none-any.whl",
                                                                          "c-1.0-py3-none-any.whl"]
    assert (tmp_path / "b-1.0-py3-none-any.whl").read_bytes() == WHEEL
    assert len(_Index.connections) == 1   # one connection for the three


def test_a_redirect_is_followed_and_errors_are_one_line(index: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolve, "_connections", threading.local())
    digest = hashlib.sha256(WHEEL).hexdigest()
    resolve._fetch(f"{index}/moved/d-1.0-py3-none-any.whl", digest, tmp_path)
    assert (tmp_path / "d-1.0-py3-none-any.whl").read_bytes() == WHEEL
    with pytest.raises(CliError, match=r"downloading e-1.0-py3-none-any.whl failed: HTTP 404"):
        resolve._fetch(f"{index}/nothing/e-1.0-py3-none-any.whl", digest, tmp_path)
    with pytest.raises(CliError, match="SHA-256 differs"):
        resolve._fetch(f"{index}/files/f-1.0-py3-none-any.whl", "0" * 64, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["d-1.0-py3-none-any.whl"]   # nothing half-written
