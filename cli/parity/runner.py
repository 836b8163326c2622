"""Replay a corpus against both targets with aiohttp: same moment, bounded, streamed to disk.

Each request goes out four times at once: P1, C1, P2, C2 (no time skew between the sides,
and each side answers twice for the noise filter). Chat
sessions get a distinct id per side and repetition and are mapped back before comparing.
Every request's outcome is written to a JSONL file as it completes; only per-route
aggregates stay in memory (and the validated corpus while it fits `corpus.KEEP_BYTES`),
so memory is flat however large the corpus.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from yarl import URL

from ..errors import CliError, ExitStatus
from .compare import Diff, Response, compare
from .corpus import CorpusRequest, Rules, side_session
from .latency import Samples
from .noise import RouteNoise, Thresholds
from .redact import Redactor

MAX_BODY = 1 << 20          # bytes kept per answer for diffing; the rest is hashed only
MAX_ERROR_EXAMPLES = 5
MAX_SKIPPED_LISTED = 50
# Both repetitions on both sides leave together: P1/C1 and P2/C2 see the same moment, and the two
# repetitions use separate chat sessions, so they cannot disturb each other.
DEFAULT_THRESHOLDS = Thresholds()
SENDS = (("primary", "p1"), ("candidate", "c1"), ("primary", "p2"), ("candidate", "c2"))


@dataclass(frozen=True)
class RunOptions:
    primary: str
    candidate: str
    concurrency: int = 16
    rate: float | None = None           # requests per second to each side (None: as fast as possible)
    timeout: float = 10.0               # seconds per request
    warmup: int = 16                    # warm-up requests per side (GET probe_path, all at once)
    allow_mutations: bool = False
    max_body: int = MAX_BODY
    probe_path: str = "/health"
    thresholds: Thresholds = DEFAULT_THRESHOLDS   # noise thresholds (settings); a corpus `rules:` overrides
    min_requests: int = 1                   # requests a route needs before its verdict counts
    mask_names: tuple[str, ...] = ()        # extra names whose values are masked in every report


@dataclass
class RouteState:
    """Per-route aggregates: the only things that grow with the corpus, and only by route."""

    requests: int = 0
    noise: RouteNoise = field(default_factory=RouteNoise)
    primary: Samples = field(default_factory=Samples)
    candidate: Samples = field(default_factory=Samples)
    errors: dict[str, int] = field(default_factory=dict)        # "candidate: timeout" -> count
    min_requests: int = 1
    error_examples: list[dict[str, str]] = field(default_factory=list)
    skipped: int = 0
    no_body: int = 0            # mutating requests logged without a body: not compared


@dataclass
class RunResult:
    routes: dict[str, RouteState] = field(default_factory=dict)
    requests: int = 0                    # corpus requests replayed (each sent 4 times)
    sent: int = 0                        # HTTP requests sent, both sides
    skipped: list[str] = field(default_factory=list)
    skipped_total: int = 0
    no_body: int = 0
    seconds: float = 0.0
    warmup: dict[str, Samples] = field(default_factory=lambda: {"primary": Samples(), "candidate": Samples()})

    cold_window: int = 16

    def route(self, key: str) -> RouteState:
        state = self.routes.get(key)
        if state is None:
            state = self.routes[key] = RouteState()
            # each concurrent slot may land on a fresh execution environment: 2 answers per request
            state.primary.cold_window = state.candidate.cold_window = 2 * self.cold_window
        return state


class Slots:
    """At most `concurrency` requests in flight per side.

    A request's four sends take their four slots together (reserved in one step, first come
    first served, so nobody holds half a set and nothing deadlocks) and leave together; each
    slot is freed as soon as its own answer is read, so a slow answer does not idle the others.
    """

    def __init__(self, concurrency: int) -> None:
        self.free = {"primary": concurrency, "candidate": concurrency}
        self.waiters: deque[asyncio.Future[None]] = deque()

    async def take(self) -> None:
        if self.waiters or not self._enough():
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            await waiter  # `give` reserved the slots before waking us
            return
        self._reserve()

    def give(self, side: str) -> None:
        self.free[side] += 1
        while self.waiters and self._enough():
            waiter = self.waiters.popleft()
            if not waiter.done():  # a cancelled waiter gets nothing
                self._reserve()
                waiter.set_result(None)

    def _enough(self) -> bool:
        return min(self.free.values()) >= 2

    def _reserve(self) -> None:
        for side in self.free:
            self.free[side] -= 2


class RateLimiter:
    """Evenly spaced slots: `rate` per second, shared by all workers."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()

    async def wait(self, slots: int = 1) -> None:
        now = time.monotonic()
        slot = max(self.next, now)
        self.next = slot + self.interval * slots
        if slot > now:
            await asyncio.sleep(slot - now)


def units(requests: Iterable[CorpusRequest]) -> Iterator[list[CorpusRequest]]:
    """Consecutive requests of one chat session form one unit, replayed in order."""
    unit: list[CorpusRequest] = []
    for request in requests:
        if unit and (request.session_id is None or request.session_id != unit[-1].session_id):
            yield unit
            unit = []
        unit.append(request)
    if unit:
        yield unit


class Replay:
    def __init__(self, options: RunOptions, results: IO[bytes] | None,
                 on_progress: Callable[[int], None] | None = None) -> None:
        self.options = options
        self.results = results
        self.on_progress = on_progress
        self.result = RunResult(cold_window=options.concurrency)
        self.limiter = RateLimiter(options.rate)
        self.slots = Slots(max(2, options.concurrency))  # both repetitions of a request leave together
        self.sessions: dict[str, aiohttp.ClientSession] = {}
        self.bases = {side: getattr(options, side).rstrip("/") for side in ("primary", "candidate")}
        self.origin_text = {side: _origin(getattr(options, side)) for side in ("primary", "candidate")}
        self.origins = {side: text.encode() for side, text in self.origin_text.items()}
        self.redactor = Redactor(options.mask_names)

    async def run(self, requests: Iterable[CorpusRequest]) -> RunResult:
        started = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=self.options.timeout)
        for side in ("primary", "candidate"):
            connector = aiohttp.TCPConnector(limit=max(2, self.options.concurrency), ttl_dns_cache=300)
            # no cookie jar: a Set-Cookie from one answer must never ride along on the next request
            self.sessions[side] = aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False,
                                                        cookie_jar=aiohttp.DummyCookieJar())
        try:
            await self._probe()
            await self._warm_up()
            await self._pool(units(self._filtered(requests)))
        finally:
            for session in self.sessions.values():
                await session.close()
        self.result.seconds = time.perf_counter() - started
        return self.result

    async def _probe(self) -> None:
        """Stop early, with one line, if a target cannot be reached at all."""
        for side in ("primary", "candidate"):
            base = getattr(self.options, side)
            answer = await self._fetch(side, "GET", base.rstrip("/") + self.options.probe_path, [], None)
            if answer.error and answer.error.startswith("timeout") and base.startswith("https://"):
                await _check_tls(side, base, self.options.timeout)
            elif answer.error and not answer.error.startswith("timeout"):
                raise CliError(f"cannot reach the {side} {base}: {answer.error}", ExitStatus.ERROR)

    async def _warm_up(self) -> None:
        """Wake every execution environment the run will use (Lambda cold starts) before measuring.

        The warm-up answers are not compared; their latencies are reported apart, so cold starts
        show up in the report instead of inflating a route's p95.
        """
        async def one(side: str) -> None:
            url = getattr(self.options, side).rstrip("/") + self.options.probe_path
            answer = await self._fetch(side, "GET", url, [], None)
            if not answer.error:
                self.result.warmup[side].add(answer.latency_ms)

        await asyncio.gather(*(one(side) for _ in range(self.options.warmup) for side in ("primary", "candidate")))

    def _filtered(self, requests: Iterable[CorpusRequest]) -> Iterator[CorpusRequest]:
        for request in requests:
            if request.mutating and request.body_unknown:
                # the log holds no body (ALB) and no other source lent one: sending none compares nothing
                self.result.no_body += 1
                self.result.route(request.route).no_body += 1
                continue
            if request.mutating and not (request.safe or self.options.allow_mutations):
                self.result.skipped_total += 1
                self.result.route(request.route).skipped += 1
                if len(self.result.skipped) < MAX_SKIPPED_LISTED:
                    self.result.skipped.append(f"{request.method} {self.redactor.target(request.target)} "
                                               f"({request.source})")
                continue
            yield request

    async def _pool(self, stream: Iterator[list[CorpusRequest]]) -> None:
        """`concurrency` workers take units from the one stream (read lazily: memory stays flat)."""
        async def worker() -> None:
            for unit in stream:  # a plain generator: `next` never awaits, so workers cannot collide in it
                await self._unit(unit)

        # twice as many workers as slots need: while one waits for its slowest answer, others fill in
        workers = [asyncio.create_task(worker()) for _ in range(self.options.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()

    async def _unit(self, unit: list[CorpusRequest]) -> None:
        for request in unit:
            if self.limiter.interval:
                await self.limiter.wait(2)
            await self.slots.take()
            p1, c1, p2, c2 = await asyncio.gather(*(self._send(side, request, tag) for side, tag in SENDS))
            self.record(request, {"p1": p1, "c1": c1, "p2": p2, "c2": c2})

    async def _send(self, side: str, request: CorpusRequest, tag: str) -> Response:
        """One of a request's four sends, in the slot `_unit` took for it (freed as soon as it answers)."""
        target, body, sid = request.target, request.body, request.session_id
        try:
            if sid:
                mine = side_session(sid, tag)
                target = target.replace(sid, mine)
                body = body.replace(sid.encode(), mine.encode()) if body else body
            answer = await self._fetch(side, request.method, self.bases[side] + target, request.headers, body)
        finally:
            self.slots.give(side)
        if sid:
            answer.body = answer.body.replace(mine.encode(), sid.encode())
        # absolute links (Location, url_for(_external=True)) name each side's own host: compare them as one
        origin = self.origins[side]
        if origin in answer.body:
            answer.body = answer.body.replace(origin, b"{origin}")
        text = self.origin_text[side]
        # headers are rebuilt only when one names the side's session or host (most answers: none does)
        if any(text in v or (sid and mine in v) for _, v in answer.headers):
            if sid:
                answer.headers = [(k, v.replace(mine, sid).replace(text, "{origin}")) for k, v in answer.headers]
            else:
                answer.headers = [(k, v.replace(text, "{origin}")) for k, v in answer.headers]
        return answer

    async def _fetch(self, side: str, method: str, url: str, headers: Iterable[tuple[str, str]],
                     body: bytes | None) -> Response:
        answer = Response()
        started = time.perf_counter()
        try:
            # encoded=True: the corpus's path and query go out byte for byte, not re-quoted
            async with self.sessions[side].request(method, URL(url, encoded=True), headers=list(headers),
                                                   data=body, allow_redirects=False) as reply:
                answer.status = reply.status
                answer.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in reply.raw_headers]
                await self._read_body(reply, answer)
        except TimeoutError:
            answer.error = f"timeout: no complete answer within {self.options.timeout:g}s"
        except aiohttp.ClientConnectorCertificateError as error:
            answer.error = f"TLS certificate rejected ({_reason(error)}); use a URL whose name the certificate covers"
        except aiohttp.ClientSSLError as error:
            answer.error = f"TLS handshake failed ({_reason(error)}); is it plain HTTP? use http://"
        except aiohttp.ClientConnectorError as error:
            answer.error = f"connection failed ({_reason(error)}); is it running and is the URL right?"
        except (aiohttp.ClientError, OSError) as error:
            answer.error = f"HTTP error: {type(error).__name__} {_reason(error)}".strip()
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    async def _read_body(self, reply: aiohttp.ClientResponse, answer: Response) -> None:
        limit = self.options.max_body
        if reply.content_length is not None and reply.content_length <= limit:
            answer.body = await reply.read()
            answer.size = len(answer.body)
            return
        digest = hashlib.sha256()
        kept = bytearray()
        async for chunk in reply.content.iter_chunked(1 << 16):
            digest.update(chunk)
            answer.size += len(chunk)
            if len(kept) < limit:
                kept.extend(chunk[: limit - len(kept)])
        answer.body = bytes(kept)
        answer.truncated = answer.size > limit
        answer.sha256 = digest.hexdigest()

    def record(self, request: CorpusRequest, answers: dict[str, Response]) -> None:
        """Compare one request's four answers into the route's statistics (replay and `shadow report` alike)."""
        state = self.result.route(request.route)
        if not state.requests:
            self._route_limits(state, request.rules)
        state.requests += 1
        self.result.requests += 1
        self.result.sent += 4
        p1, p2, c1, c2 = answers["p1"], answers["p2"], answers["c1"], answers["c2"]
        cross = compare(p1, c1, request.rules)
        own_p: list[Diff] | None = None
        own_c: list[Diff] | None = None
        visited: set[str] | None = set()
        if not any(a.error for a in answers.values()):
            if p1.body == p2.body == c1.body == c2.body:
                visited = None  # identical bodies: every field was seen and none varied
                own_p, own_c = _same_body_diffs(p1, p2, request), _same_body_diffs(c1, c2, request)
            else:
                own_p = compare(p1, p2, request.rules, visited)
                own_c = compare(c1, c2, request.rules, visited)
        if cross:  # secrets never reach a report: mask by field name before anything keeps the values
            cross = [self.redactor.diff(d) for d in cross]
        target = self.redactor.target(request.target)
        state.noise.observe(cross, own_p, own_c, visited, request.source or target)
        for tag, answer in answers.items():
            side = "primary" if tag[0] == "p" else "candidate"
            if answer.error:
                kind = f"{side}: {answer.error.split(' (')[0]}"
                state.errors[kind] = state.errors.get(kind, 0) + 1
                if len(state.error_examples) < MAX_ERROR_EXAMPLES:
                    state.error_examples.append({"request": request.source, "side": side, "error": answer.error,
                                                 "target": target})
            else:
                getattr(state, side).add(answer.latency_ms)
        if self.results is not None:
            self.results.write(_json_line(_line(request, target, answers, cross)))
        if self.on_progress is not None:
            self.on_progress(self.result.requests)


    def _route_limits(self, state: RouteState, rules: Rules) -> None:
        """The route's thresholds: the settings', overridden by the corpus's `rules:` for the route."""
        base = self.options.thresholds
        state.noise.thresholds = Thresholds(
            base.relative if rules.relative is None else rules.relative,
            base.absolute if rules.absolute is None else rules.absolute,
            base.min_samples if rules.min_samples is None else rules.min_samples)
        state.min_requests = self.options.min_requests if rules.min_requests is None else rules.min_requests


async def _check_tls(side: str, base: str, timeout: float) -> None:
    """A TLS URL pointed at a plain-HTTP port often hangs rather than fails: say so in one line."""
    parts = urlsplit(base)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, parts.port or 443, ssl=ssl.create_default_context(),
                                    server_hostname=parts.hostname), min(timeout, 5.0))
    except TimeoutError:
        raise CliError(f"TLS handshake with the {side} {base} did not complete; is it plain HTTP? use http://",
                       ExitStatus.ERROR) from None
    except (OSError, ssl.SSLError):
        return  # certificate problems and the like are reported per request
    writer.close()


def _same_body_diffs(a: Response, b: Response, request: CorpusRequest) -> list[Diff]:
    """Bodies identical: only status and headers can vary within the side."""
    if a.status == b.status and a.headers == b.headers:
        return []
    left, right = (Response(r.status, r.headers, b"", 0, _headers=r.header_set()) for r in (a, b))
    return compare(left, right, request.rules)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]


def _line(request: CorpusRequest, target: str, answers: dict[str, Response], cross: list[Diff]) -> dict[str, Any]:
    return {
        "route": request.route, "method": request.method, "target": target, "source": request.source,
        "answers": {tag: {"status": a.status, "ms": round(a.latency_ms, 3), "bytes": a.size, "error": a.error}
                    for tag, a in answers.items()},
        "diffs": [{"key": d.key, "kind": d.kind, "where": d.where, "primary": d.primary,
                   "candidate": d.candidate, "label": d.label} for d in cross],
    }


def _json_line(line: dict[str, Any]) -> bytes:
    """orjson (a tenth of json.dumps's CPU, which was a tenth of the replay's own); the standard
    library for what orjson refuses (a lone surrogate in a file name, an integer over 64 bits)."""
    try:
        return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(line) + "\n").encode()


def replay(requests: Iterable[CorpusRequest], options: RunOptions, results_path: Path | None,
           on_progress: Callable[[int], None] | None = None) -> RunResult:
    """Run the replay to completion (blocking), streaming per-request lines to `results_path`."""
    if results_path is None:
        return asyncio.run(Replay(options, None, on_progress).run(requests))
    results_path.parent.mkdir(parents=True, exist_ok=True)
    with results_path.open("wb") as handle:
        return asyncio.run(Replay(options, handle, on_progress).run(requests))
