"""A small aiohttp server that answers like shopbot, or diverges on purpose, by URL prefix.

`http://127.0.0.1:PORT/m/<mode>` behaves as one target; `/m/base` is the reference.
Every mode keeps the pure noise of a real service (a millisecond ISO timestamp, a request
id in the body and in a header, `Date`) so a test can check noise is not flagged.
Run: python divergent.py PORT [CERT KEY]
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

PRODUCTS = [{"id": "p-1", "name": "Trail shoe", "price": 89.5}, {"id": "p-2", "name": "Road shoe", "price": 120}]


def _search_body(mode: str) -> dict[str, Any]:
    products = [dict(p) for p in PRODUCTS]
    if mode == "type_change":
        products[0]["price"] = str(products[0]["price"])
    if mode == "reorder":
        products.reverse()
    now = datetime.now(UTC)
    stamp: Any = now.isoformat(timespec="microseconds")
    if mode == "time_format":
        stamp = now.timestamp()                 # ISO string -> epoch number (a type change)
    if mode == "time_string":
        stamp = f"{now.timestamp():.6f}"        # ISO string -> epoch as a string (same JSON type)
    return {"query": "shoes", "count": len(products), "products": products, "generated_at": stamp,
            "request_id": str(uuid.uuid4())}


async def handle(request: web.Request) -> web.StreamResponse:
    mode, tail = request.match_info["mode"], "/" + request.match_info["tail"]
    target = "lambda" if mode != "base" else "ecs"
    headers = {"X-Shopbot-Target": target, "X-Request-Id": uuid.uuid4().hex}
    if target == "lambda":
        headers["apigw-requestid"] = uuid.uuid4().hex[:16]
    if tail == "/health":
        return web.json_response({"status": "ok"}, headers=headers)
    if mode == "slow":
        await asyncio.sleep(0.15)
    if mode == "hang" and tail != "/health":
        await asyncio.sleep(60)
    if tail == "/api/products/search":
        return _search(mode, headers)
    if tail == "/redirect":  # an absolute Location naming this target's own host
        raise web.HTTPFound(f"http://{request.host}/m/{mode}/health", headers=headers)
    if tail == "/secrets":  # credentials that differ per side, in a header, a JSON body and a text body
        side = "PRIMARY" if mode == "base" else "CANDIDATE"
        headers["X-Session-Token"] = f"CANARY-{side}-HEADER"
        if request.query.get("format") == "text":
            return web.Response(text=f"user=ann&password=CANARY-{side}-TEXT\n", content_type="text/plain",
                                headers=headers)
        return web.json_response({"user": {"name": "ann", "api_key": f"CANARY-{side}-APIKEY"},
                                  "token": f"CANARY-{side}-TOKEN", "echo": request.query_string}, headers=headers)
    if tail == "/markup":  # data that looks like rich markup must be printed, never interpreted
        return web.json_response({"note": "[/bold] closed" if mode == "base" else "[red]open"}, headers=headers)
    if tail == "/page":
        text = "line one\nline two\n" + ("changed\n" if mode == "text" else "same\n")
        return web.Response(text=text, content_type="text/plain", headers=headers)
    if tail == "/big":
        filler = "x" * (3 * 1024 * 1024)
        return web.Response(text=filler + ("B" if mode == "big" else "A"), content_type="text/plain",
                            headers=headers)
    return web.json_response({"error": {"status": 404, "code": "not_found", "message": tail}}, status=404,
                             headers=headers)


def _search(mode: str, headers: dict[str, str]) -> web.Response:
    status = 202 if mode == "status" else 200
    if mode != "missing_header":
        headers["Cache-Control"] = "no-store"
    response = web.Response(body=json.dumps(_search_body(mode)).encode(), status=status,
                            content_type="application/json", headers=headers)
    cookies = ["seen=1; Path=/; HttpOnly", "ab=blue; Path=/; Max-Age=3600"]
    if mode == "extra_cookie":
        cookies.append("tracking=on; Path=/")
    if mode == "merged_cookie":
        cookies = [", ".join(cookies)]
    for cookie in cookies:
        response.headers.add("Set-Cookie", cookie)
    return response


def main() -> None:
    """python divergent.py PORT [CERT KEY]: with a certificate, serve HTTPS (self-signed in tests)."""
    app = web.Application()
    app.router.add_route("*", "/m/{mode}/{tail:.*}", handle)
    context = None
    if len(sys.argv) == 4:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
                shutdown_timeout=0.5, ssl_context=context)


if __name__ == "__main__":
    main()
