"""`shopbot shadow report`: live pairs -> the parity engine -> the same reports as `parity-check`.

Each pair's four answers (the shopper's P1, then P2, C1, C2) go through the very `record`
call a replay makes, so the noise statistics, latency budget and verdicts are the same
code; the report says where its evidence came from ("live traffic, N pairs, from .. to ..")
and names the two URLs the cutover's parity gate checks.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time
from pathlib import Path
from typing import Any

from ..errors import CliError, ExitStatus
from ..parity.check import RESULTS_NAME, Report
from ..parity.compare import Response
from ..parity.corpus import CorpusRequest, assign_route, session_of
from ..parity.latency import Budget
from ..parity.noise import Thresholds
from ..parity.report_html import write_html
from ..parity.report_json import build_report, write_json
from ..parity.report_junit import write_junit
from ..parity.routes import service_route_table
from ..parity.runner import Replay, RunOptions
from .pairs import ANSWERS, Batches


def answer_of(stored: dict[str, Any]) -> Response:
    """One stored answer as the engine's `Response`: a pair file is outside input (a bucket anyone with
    write access can touch), so a field of the wrong type is ignored and a missing status is an error answer."""
    body_info = _object(stored.get("body"))
    try:
        body = (base64.b64decode(body_info["b64"]) if "b64" in body_info
                else _text(body_info.get("text")).encode())
    except (ValueError, TypeError):
        body = b""
    status, error = stored.get("status"), stored.get("error")
    valid = isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599
    return Response(
        status=status if valid else None, headers=_pairs(stored.get("headers")), body=body,
        size=int(_number(body_info.get("size"), len(body))), sha256=_text(body_info.get("sha256")),
        truncated=body_info.get("truncated") is True, latency_ms=_number(stored.get("ms"), 0.0),
        error=str(error) if error else (None if valid else "no answer recorded"),
    )


def request_of(pair: dict[str, Any], index: int) -> CorpusRequest:
    body_info = _object(pair.get("body"))
    body = _text(body_info["text"]).encode() if "text" in body_info else None
    path = str(pair["path"])
    return CorpusRequest(method=(_text(pair.get("method")) or "GET").upper(), path=path,
                         query=_text(pair.get("query")), headers=tuple(_pairs(pair.get("headers"))), body=body,
                         safe=True, source=f"live pair {index + 1}", session_id=session_of(path, body))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any, default: float) -> float:
    """A finite, non-negative JSON number; anything else (a string, a bool, NaN) is `default`."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < math.inf:
        return float(value)
    return default


def _pairs(value: Any) -> list[tuple[str, str]]:
    """Stored headers: `[[name, value], ...]`; any other shape is left out."""
    items = value if isinstance(value, list) else []
    return [(str(h[0]), str(h[1])) for h in items if isinstance(h, list) and len(h) == 2]


def write_report(found: Batches, *, primary: str, candidate: str, out_dir: Path, budget: Budget,
                 thresholds: Thresholds, min_requests: int, mask_names: tuple[str, ...] = ()) -> Report:
    """Decide parity from the pairs in `found` and write the JSON/JUnit/HTML/JSONL reports."""
    if not found.pairs:
        raise CliError("no shadow pairs found: is shadowing on (`shopbot shadow status`) and the window right "
                       "(--since)? A report from no traffic would prove nothing", ExitStatus.DIFFERENCES)
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"--output {out_dir} is an existing file; give a folder for the report files")
    table, note = service_route_table()
    options = RunOptions(primary, candidate, thresholds=thresholds, min_requests=min_requests,
                         mask_names=mask_names)
    digest = hashlib.sha256()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (out_dir / RESULTS_NAME).open("wb") as results:
            recorder = Replay(options, results)
            for index, pair in enumerate(found.pairs):
                request = assign_route(request_of(pair, index), table)
                digest.update(f"{request.method} {request.target}\n".encode())
                recorder.record(request, {name.lower(): answer_of(pair["answers"][name]) for name in ANSWERS})
    except OSError as error:
        raise CliError(f"--output {out_dir}: cannot write the reports ({error.strerror or error})") from error
    data = build_report(recorder.result, primary=primary, candidate=candidate, corpus_sha256=digest.hexdigest(),
                        budget=budget, table=table, table_note=note)
    data["evidence"] = {
        "kind": "live traffic", "pairs": len(found.pairs), "batches": found.batches,
        "skipped_lines": found.skipped, "oldest": _stamp(found.oldest), "newest": _stamp(found.newest),
    }
    files = {"json": write_json(data, out_dir), "junit": write_junit(data, out_dir),
             "html": write_html(data, out_dir), "results": out_dir / RESULTS_NAME}
    return Report(data, files)


def _stamp(at: float | None) -> str | None:
    return None if at is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
