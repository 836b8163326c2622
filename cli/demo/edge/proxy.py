"""The demo's edge: an HTTP proxy that reads the distribution config from (local) AWS
and forwards each request to the origin CloudFront would choose, adding the headers
CloudFront adds. A config change shows after `refresh_seconds`, like a deployment.

Only for loopback origins: it refuses to forward anywhere else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from ...cost.traffic import alb_line
from .routing import origin_for, origin_url

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


class EdgeProxy:
    def __init__(self, cloudfront: Any, distribution_id: str, port: int, refresh_seconds: float = 1.0,
                 access_log: Path | None = None) -> None:
        self.access_log = access_log    # ALB-format lines, one per forwarded request (what `shopbot cost` reads)
        self.cloudfront = cloudfront
        self.distribution_id = distribution_id
        self.port = port
        self.refresh_seconds = refresh_seconds
        self._config: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def live_config(self) -> dict[str, Any]:
        if self._config is None or time.monotonic() - self._fetched_at > self.refresh_seconds:
            response = self.cloudfront.get_distribution_config(Id=self.distribution_id)
            self._config, self._fetched_at = response["DistributionConfig"], time.monotonic()
        return self._config

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        config = await loop.run_in_executor(None, self.live_config)
        base = origin_url(origin_for(config, request.path))
        host = urlsplit(base).hostname or ""
        if not ipaddress.ip_address(host if host != "localhost" else "127.0.0.1").is_loopback:
            return web.json_response({"message": f"the demo edge only forwards to loopback, not {host}"}, status=502)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Amz-Cf-Id"] = uuid.uuid4().hex
        assert self._session is not None
        arrived, started = time.time(), time.perf_counter()
        received = len(await request.read()) + sum(len(k) + len(v) + 4 for k, v in request.headers.items())
        try:
            async with self._session.request(request.method, base + request.path_qs, headers=headers,
                                             data=await request.read(), allow_redirects=False) as answer:
                body = await answer.read()
                out = web.Response(status=answer.status, body=body)
                for name, value in answer.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        out.headers.add(name, value)
        except aiohttp.ClientError:
            return web.json_response({"message": "origin unreachable"}, status=502,
                                     headers={"X-Cache": "Error from cloudfront"})
        if self.access_log is not None:
            line = alb_line(arrived, time.perf_counter() - started, request.method, request.path, received,
                            len(body), answer.status)
            with self.access_log.open("a", encoding="utf-8") as log:
                log.write(line + "\n")
        out.headers["X-Cache"] = "Miss from cloudfront"
        out.headers["Via"] = "1.1 local-edge.cloudfront.net (CloudFront)"
        return out

    def start(self) -> EdgeProxy:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            app = web.Application(client_max_size=10 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", self._forward)

            async def begin() -> None:
                self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=35))
                self._runner = web.AppRunner(app, access_log=None)
                await self._runner.setup()
                await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

            loop.run_until_complete(begin())
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, name="edge-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the local edge did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def end() -> None:
            if self._session is not None:
                await self._session.close()
            if self._runner is not None:
                await self._runner.cleanup()
            loop.stop()

        asyncio.run_coroutine_threadsafe(end(), loop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None
