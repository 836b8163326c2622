"""`run_parity`: corpus -> replay -> decision -> report files. The one call the CLI and the demo make."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CliError, ExitStatus
from .corpus import CorpusRequest, corpus_digest, expand_paths, iter_corpora, validate_corpora
from .latency import Budget
from .report_html import write_html
from .report_json import build_report, write_json
from .report_junit import write_junit
from .routes import RouteTable, service_route_table
from .runner import RunOptions, replay
from .smoke import smoke_corpus, write_corpus

RESULTS_NAME = "parity-results.jsonl"


@dataclass
class Report:
    data: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.data["passed"])

    @property
    def exit_status(self) -> ExitStatus:
        return ExitStatus.OK if self.passed else ExitStatus.DIFFERENCES


def run_parity(primary: str, candidate: str, corpus: Sequence[Path] | None = None,
               out_dir: Path = Path("reports"), *, concurrency: int = 16, rate: float | None = None,
               timeout: float = 10.0, warmup: int = 16, allow_mutations: bool = False,
               budget: Budget | None = None, probe_path: str = "/health",
               table: RouteTable | None = None,
               on_start: Callable[[int], None] | None = None,
               on_progress: Callable[[int], None] | None = None) -> Report:
    """Replay `corpus` (or the smoke corpus) against both targets and write the reports to `out_dir`.

    Raises CliError (exit 2) when it cannot run: bad URL, malformed corpus, unreachable target.
    """
    for side, url in (("primary", primary), ("candidate", candidate)):
        _check_url(side, url)
    if concurrency < 1 or timeout <= 0 or (rate is not None and rate <= 0) or warmup < 0:
        raise CliError("--concurrency must be >= 1, --timeout and --rate > 0, --warmup >= 0")
    note: str | None = None
    if table is None:
        table, note = service_route_table()
    requests: Any
    if corpus:
        corpus_files = expand_paths(corpus)
        total, digest = validate_corpora(corpus_files)
        requests = iter_corpora(corpus_files, table)
    else:
        if table is None:
            raise CliError(f"no --corpus given and the service's route table is unavailable ({note}); "
                           "pass --corpus FILE")
        generated: list[CorpusRequest] = smoke_corpus(table)
        total, digest, requests = len(generated), corpus_digest(generated), generated
    if on_start is not None:
        on_start(total)
    options = RunOptions(primary, candidate, concurrency, rate, timeout, warmup, allow_mutations,
                         probe_path=probe_path)
    out_dir = Path(out_dir)
    result = replay(requests, options, out_dir / RESULTS_NAME, on_progress)
    data = build_report(result, primary=primary, candidate=candidate, corpus_sha256=digest,
                        budget=budget or Budget(), table=table, table_note=note)
    files = {"json": write_json(data, out_dir), "junit": write_junit(data, out_dir),
             "html": write_html(data, out_dir), "results": out_dir / RESULTS_NAME}
    return Report(data, files)


def save_smoke_corpus(path: Path) -> int:
    """Write the smoke corpus for the service's route table as an editable YAML file."""
    table, note = service_route_table()
    if table is None:
        raise CliError(f"the service's route table is unavailable ({note}); cannot generate a smoke corpus")
    requests = smoke_corpus(table)
    try:
        write_corpus(requests, path)
    except OSError as error:
        raise CliError(f"{path}: cannot write the smoke corpus ({error.strerror})") from error
    return len(requests)


def _check_url(side: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--{side} {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8000)", ExitStatus.ERROR)
