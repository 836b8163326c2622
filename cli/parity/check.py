"""`run_parity`: corpus -> replay -> decision -> report files. The one call the CLI and the demo make."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CliError, ConfigError, ExitStatus
from ..secrets.masking import mask
from ..settings.environments import Settings
from .corpus import CorpusRequest, Loaded, corpus_digest, expand_paths, iter_corpora, validate_corpora
from .latency import Budget
from .noise import Thresholds
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
               table: RouteTable | None = None, thresholds: Thresholds | None = None,
               min_requests: int = 1, mask_names: Sequence[str] = (),
               on_start: Callable[[int], None] | None = None,
               on_progress: Callable[[int], None] | None = None) -> Report:
    """Replay `corpus` (or the smoke corpus) against both targets and write the reports to `out_dir`.

    Raises CliError (exit 2) when it cannot run: bad URL, malformed corpus, unreachable target.
    """
    for side, url in (("primary", primary), ("candidate", candidate)):
        _check_url(side, url)
    if concurrency < 1 or timeout <= 0 or (rate is not None and rate <= 0) or warmup < 0:
        raise CliError("--concurrency must be >= 1, --timeout and --rate > 0, --warmup >= 0")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"--out {out_dir} is an existing file; give a folder for the report files "
                       "(it is created if missing)", ExitStatus.ERROR)
    note: str | None = None
    if table is None:
        table, note = service_route_table()
    requests: Any
    loaded = Loaded()
    if corpus:
        corpus_files = expand_paths(corpus)
        loaded = validate_corpora(corpus_files, table)
        total, digest = loaded.count, loaded.digest
        requests = iter_corpora(corpus_files, table, loaded)
    else:
        if table is None:
            raise CliError(f"no --corpus given and the service's route table is unavailable ({note}); "
                           "pass --corpus FILE")
        generated: list[CorpusRequest] = smoke_corpus(table)
        total, digest, requests = len(generated), corpus_digest(generated), generated
    if on_start is not None:
        on_start(total)
    options = RunOptions(primary, candidate, concurrency, rate, timeout, warmup, allow_mutations,
                         probe_path=probe_path, thresholds=thresholds or Thresholds(), min_requests=min_requests,
                         mask_names=tuple(mask_names))
    try:
        result = replay(requests, options, out_dir / RESULTS_NAME, on_progress)
    except OSError as error:
        raise CliError(f"--out {out_dir}: cannot write the results ({error.strerror or error})") from error
    data = build_report(result, primary=shown_url(primary), candidate=shown_url(candidate), corpus_sha256=digest,
                        budget=budget or Budget(), table=table, table_note=note, loaded=loaded)
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


def shown_url(url: str) -> str:
    """A target URL as a report may show it: a password in its user part masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{parts.username}:{mask(parts.password)}@{host}").geturl()


def settings_thresholds(settings: Settings) -> Thresholds:
    """The noise thresholds of an environment, checked: a bad value stops with one line (exit 3)."""
    for name in ("parity_noise_relative", "parity_noise_absolute"):
        value = getattr(settings, name)
        if not 0 <= value <= 1:
            raise ConfigError(f"{name} = {value!r} in {settings.source}: must be a rate from 0 to 1 (e.g. 0.2)")
    for name in ("parity_min_field_samples", "parity_min_route_requests"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"{name} = {getattr(settings, name)!r} in {settings.source}: must be >= 1")
    return Thresholds(settings.parity_noise_relative, settings.parity_noise_absolute,
                      settings.parity_min_field_samples)


def _check_url(side: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--{side} {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8000)", ExitStatus.ERROR)
