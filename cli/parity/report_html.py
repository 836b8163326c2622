"""A self-contained HTML report: verdict first, then per route side-by-side diffs and latency histograms.

No scripts, fonts or images from anywhere: styles inline, histograms as inline SVG, so the
file can be attached to a ticket and opened offline.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

HTML_NAME = "parity-report.html"
COLORS = {"primary": "#2563eb", "candidate": "#ea580c"}
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{padding:20px 32px;color:#fff}header.pass{background:#15803d}header.fail{background:#b91c1c}
header h1{margin:0 0 6px;font-size:22px}main{padding:16px 32px}
section.route{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:14px 0;padding:12px 18px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.pass .badge,.badge.pass{background:#16a34a}.badge.fail{background:#dc2626}.badge.not_covered{background:#64748b}
.badge.inconclusive{background:#a16207}table.noise td{font-size:12px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:4px 8px;vertical-align:top;
text-align:left}th{background:#f1f5f9}table.diff td{font-family:ui-monospace,monospace;font-size:12px;
max-width:520px;word-break:break-all;white-space:pre-wrap}.outcome-noise{color:#64748b}
.outcome-transport{color:#a16207}.outcome-fail td:nth-child(2){color:#b91c1c;font-weight:600}
pre{background:#0f172a;color:#e2e8f0;padding:8px;border-radius:6px;
overflow:auto;font-size:12px}.add{color:#86efac}.del{color:#fca5a5}ul{margin:4px 0 8px 18px;padding:0}
.legend span{margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def write_html(report: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / HTML_NAME
    path.write_text(render(report), encoding="utf-8")
    return path


def render(report: dict[str, Any]) -> str:
    state = "pass" if report["passed"] else "fail"
    routes = report["routes"]
    counts = {v: sum(r["verdict"] == v for r in routes) for v in ("pass", "fail", "inconclusive", "not_covered")}
    by_route: dict[str, list[dict[str, Any]]] = {}
    for difference in report["differences"]:
        by_route.setdefault(difference["route"], []).append(difference)
    rank = {"fail": 0, "inconclusive": 1, "pass": 2, "not_covered": 3}
    ordered = sorted(routes, key=lambda r: rank[r["verdict"]])
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>shopbot parity report</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<header class={state}><h1>Parity {'PASSED' if report['passed'] else 'FAILED'}</h1>",
        f"<div>primary <b>{escape(report['primary'])}</b> &nbsp;vs&nbsp; candidate "
        f"<b>{escape(report['candidate'])}</b></div>",
        f"<div>{report['requests']} requests (each sent twice to each side) · {counts['pass']} routes pass · "
        f"{counts['fail']} fail · {counts['inconclusive']} too few samples · {counts['not_covered']} not covered"
        f" · generated {escape(report['generated_at'])}"
        f" · corpus sha256 {escape(report['corpus_sha256'][:16])}…</div></header><main>",
        _warmup(report),
        _coverage(report),
    ]
    for route in ordered:
        parts.append(_route(route, by_route.get(route["route"], [])))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _warmup(report: dict[str, Any]) -> str:
    warm = report.get("warmup") or {}
    parts = [f"{side}: {int(values['count'])} answers, p50 {values['p50']:.1f} ms, max {values['max']:.1f} ms"
             for side, values in warm.items() if values]
    if not parts:
        return ""
    return ("<section class=route><h2>Warm-up (kept out of the comparison)</h2><p>"
            + escape(" · ".join(parts)) + " - a max far above p50 is a cold start.</p></section>")


def _coverage(report: dict[str, Any]) -> str:
    coverage = report["coverage"]
    missing = "".join(f"<li>{escape(r)}</li>" for r in coverage["not_covered"]) or "<li>none</li>"
    skipped = report.get("skipped", {})
    note = (f"<p>{skipped['total']} mutating request(s) skipped (mark them safe or pass --allow-mutations).</p>"
            if skipped.get("total") else "")
    no_body = (report.get("not_compared") or {}).get("mutating_without_body", 0)
    if no_body:
        note += f"<p>{no_body} mutating request(s) without bodies: not compared.</p>"
    left_out = report.get("corpus_skipped") or {}
    if left_out.get("total"):
        note += "<p>Corpus entries skipped:</p><ul>" + "".join(
            f"<li>{count} × {escape(reason)}</li>" for reason, count in sorted(left_out["by_reason"].items())) + "</ul>"
    return (f"<section class=route><h2>Coverage</h2><p>{len(coverage['covered'])} of "
            f"{len(coverage['covered']) + len(coverage['not_covered'])} service routes exercised "
            f"(route table: {escape(str(coverage.get('route_table', '')))}).</p>"
            f"<b>Never touched:</b><ul>{missing}</ul>{note}</section>")


def _route(route: dict[str, Any], differences: list[dict[str, Any]]) -> str:
    verdict = route["verdict"]
    why = "".join(f"<li>{escape(line)}</li>" for line in route["why"])
    html = [f"<section class=route id='{escape(route['route'])}'><h2><span class='badge {verdict}'>"
            f"{verdict.replace('_', ' ')}</span> {escape(route['route'])}</h2><ul>{why}</ul>"]
    if route["requests"]:
        html.append(_noise_table(route.get("noise") or []))
        html.append(_latency_table(route["latency"]))
        html.append(_histogram_svg(route.get("histogram") or {}))
    if differences:
        html.append("<table class=diff><tr><th>field</th><th>outcome</th><th>primary</th><th>candidate</th></tr>")
        order = {"fail": 0, "transport": 1, "noise": 2}
        for difference in sorted(differences, key=lambda d: order.get(d["outcome"], 3)):
            for example in difference["examples"][:2 if difference["outcome"] == "fail" else 1]:
                html.append(
                    f"<tr class='outcome-{difference['outcome']}'><td>{escape(example['where'])}<br>"
                    f"<small>{escape(difference['kind'])} · {difference['count']}×<br>"
                    f"{escape(example['request'])}</small></td><td>{escape(difference['outcome'])}</td>"
                    f"<td>{escape(example['primary'])}</td><td>{escape(example['candidate'])}</td></tr>")
                if example.get("detail"):
                    html.append(f"<tr><td colspan=4>{_text_diff(example['detail'])}</td></tr>")
        html.append("</table>")
    for error in route.get("errors", []):
        html.append(f"<p>⚠ {escape(error['side'])} {escape(error['target'])}: {escape(error['error'])}</p>")
    html.append("</section>")
    return "".join(html)


def _noise_table(rows: list[dict[str, Any]]) -> str:
    """Per field: both rates, the thresholds, the samples, what could still hide, and why it was decided so."""
    if not rows:
        return ""
    html = ["<table class=noise><tr><th>field</th><th>kind</th><th>samples</th><th>across sides</th>"
            "<th>within primary</th><th>within candidate</th><th>thresholds (rel / abs / min samples)</th>"
            "<th>could hide (95%)</th><th>decision</th><th>why</th></tr>"]
    for row in rows:
        limits = row.get("thresholds") or {}
        html.append(
            f"<tr class='outcome-{escape(str(row.get('outcome', '')))}'><td>{escape(str(row['field']))}</td>"
            f"<td>{escape(str(row.get('kind', '')))}</td><td>{row.get('samples', 0)}</td>"
            f"<td>{_pct(row.get('cross_rate'))}</td><td>{_pct(row.get('within_primary'))}</td>"
            f"<td>{_pct(row.get('within_candidate'))}</td>"
            f"<td>{_pct(limits.get('relative'))} / {_pct(limits.get('absolute'))} / {limits.get('min_samples', '–')}"
            f"</td><td>{_pct(row.get('hidden_rate_95'))}</td><td>{escape(str(row.get('outcome', '')))}</td>"
            f"<td>{escape(str(row.get('reason', '')))}</td></tr>")
    html.append("</table>")
    return "".join(html)


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.1f}%" if isinstance(value, int | float) else "–"


def _latency_table(latency: dict[str, Any]) -> str:
    rows = []
    for side in ("primary", "candidate"):
        values = latency.get(side) or {}
        cells = "".join(f"<td>{values[k]:.1f}</td>" if k in values else "<td>–</td>"
                        for k in ("p50", "p95", "p99", "max"))
        rows.append(f"<tr><th>{side}</th>{cells}</tr>")
    ratio = latency.get("p95_ratio")
    return ("<table><tr><th>ms</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>" + "".join(rows)
            + f"</table><div>p95 ratio (candidate / primary): {ratio if ratio is not None else '–'}</div>")


def _histogram_svg(histogram: dict[str, Any], width: int = 560, height: int = 120) -> str:
    edges = histogram.get("edges") or []
    if len(edges) < 2:
        return ""
    bins = len(edges) - 1
    peak = max(max(histogram["primary"], default=0), max(histogram["candidate"], default=0), 1)
    slot = width / bins
    bars = []
    for index in range(bins):
        for offset, side in enumerate(("primary", "candidate")):
            count = histogram[side][index]
            if not count:
                continue
            bar = (height - 20) * count / peak
            x = index * slot + offset * slot / 2
            bars.append(f"<rect x='{x:.1f}' y='{height - 20 - bar:.1f}' width='{slot / 2 - 1:.1f}' "
                        f"height='{bar:.1f}' fill='{COLORS[side]}'><title>{side}: {count} between "
                        f"{edges[index]:.1f} and {edges[index + 1]:.1f} ms</title></rect>")
    labels = "".join(f"<text x='{i * slot:.1f}' y='{height - 4}' font-size='10'>{edges[i]:.1f}</text>"
                     for i in range(0, bins - 2, max(1, bins // 6)))
    labels += f"<text x='{width}' y='{height - 4}' font-size='10' text-anchor='end'>{edges[-1]:.1f} ms</text>"
    legend = "".join(f"<span><i class=sw style='background:{c}'></i>{s}</span>" for s, c in COLORS.items())
    return (f"<div class=legend>{legend} latency histogram (ms, log scale)</div>"
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"role='img' aria-label='latency histogram'>{''.join(bars)}{labels}</svg>")


def _text_diff(detail: str) -> str:
    lines = []
    for line in detail.splitlines():
        css = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
        lines.append(f"<span class='{css}'>{escape(line)}</span>" if css else escape(line))
    return "<pre>" + "\n".join(lines) + "</pre>"
