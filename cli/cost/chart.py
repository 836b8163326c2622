"""Monthly cost against traffic (0.1x to 100x today's), both targets, today's point marked:
a compact text chart for the terminal and a self-contained HTML page with an inline SVG (no
JavaScript). Both axes are logarithmic: cost spans decades over that range.
"""

from __future__ import annotations

import html
import math
from typing import Any

SERIES = (("ecs", "E", "#1f77b4"), ("lambda", "L", "#d62728"))


def _log_range(values: list[float]) -> tuple[float, float]:
    positive = [v for v in values if v > 0] or [1.0]
    low, high = math.log10(min(positive)), math.log10(max(positive))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return low, high


def terminal_chart(curve: list[dict[str, Any]], width: int = 60, height: int = 12) -> list[str]:
    """Rows of text: `E` ECS, `L` Lambda, `*` both, `|` today's traffic (1x)."""
    factors = [point["factor"] for point in curve]
    costs = [point[name] for point in curve for name, _, _ in SERIES]
    y_low, y_high = _log_range(costs)
    x_low, x_high = math.log10(min(factors)), math.log10(max(factors))
    grid = [[" "] * width for _ in range(height)]

    def column(factor: float) -> int:
        return min(width - 1, max(0, round((math.log10(factor) - x_low) / (x_high - x_low) * (width - 1))))

    def row(cost: float) -> int:
        value = math.log10(cost) if cost > 0 else y_low
        return min(height - 1, max(0, height - 1 - round((value - y_low) / (y_high - y_low) * (height - 1))))

    if x_low <= 0 <= x_high:
        for r in range(height):
            grid[r][column(1.0)] = "|"
    for point in curve:
        for name, mark, _ in SERIES:
            r, c = row(point[name]), column(point["factor"])
            grid[r][c] = "*" if grid[r][c] in ("E", "L") and grid[r][c] != mark else mark
    lines = []
    for index, cells in enumerate(grid):
        label = ""
        if index == 0:
            label = _money(10 ** y_high)
        elif index == height - 1:
            label = _money(10 ** y_low)
        lines.append(f"{label:>9} ┤{''.join(cells)}")
    lines.append(" " * 10 + "└" + "─" * width)
    axis = f"{min(factors):g}x"
    middle = "1x (today)"
    lines.append(" " * 11 + axis + middle.center(width - len(axis) - len(f"{max(factors):g}x")) + f"{max(factors):g}x")
    lines.append(" " * 11 + "E ECS   L Lambda   * both   | today's traffic   (log scales)")
    return lines


def _money(value: float) -> str:
    return f"${value:,.0f}" if value >= 10 else f"${value:,.2f}"


def _ticks(low: float, high: float) -> list[float]:
    """1-2-5 steps inside [10^low, 10^high] (log axis), thinned to at most 8."""
    ticks = [m * 10.0 ** e for e in range(math.floor(low), math.ceil(high) + 1) for m in (1, 2, 5)
             if low - 1e-9 <= math.log10(m * 10.0 ** e) <= high + 1e-9]
    step = max(1, math.ceil(len(ticks) / 8))
    return ticks[::step]


def price_text(price: float) -> str:
    """$0.0000166667 rather than $1.66667e-05."""
    return f"${price:.10f}".rstrip("0").rstrip(".") if 0 < price < 0.001 else f"${price:g}"


def svg_chart(curve: list[dict[str, Any]], break_even: float | None, width: int = 720, height: int = 380) -> str:
    left, right, top, bottom = 70, 20, 20, 50
    factors = [point["factor"] for point in curve]
    y_low, y_high = _log_range([point[name] for point in curve for name, _, _ in SERIES])
    x_low, x_high = math.log10(min(factors)), math.log10(max(factors))

    def x(factor: float) -> float:
        return left + (math.log10(factor) - x_low) / (x_high - x_low) * (width - left - right)

    def y(cost: float) -> float:
        value = math.log10(cost) if cost > 0 else y_low
        return top + (y_high - value) / (y_high - y_low) * (height - top - bottom)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="monthly cost against traffic">',
             f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
             'fill="#fff" stroke="#ccc"/>']
    for exponent in range(math.floor(x_low), math.ceil(x_high) + 1):
        factor = 10.0 ** exponent
        if x_low - 1e-9 <= exponent <= x_high + 1e-9:
            parts.append(f'<line x1="{x(factor):.1f}" y1="{top}" x2="{x(factor):.1f}" y2="{height - bottom}" '
                         'stroke="#eee"/>')
            parts.append(f'<text x="{x(factor):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                         f'font-size="12">{factor:g}x</text>')
    for cost in _ticks(y_low, y_high):
        parts.append(f'<line x1="{left}" y1="{y(cost):.1f}" x2="{width - right}" y2="{y(cost):.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{left - 6}" y="{y(cost) + 4:.1f}" text-anchor="end" font-size="12">'
                     f'{html.escape(_money(cost))}</text>')
    for name, _, colour in SERIES:
        points = " ".join(f"{x(p['factor']):.1f},{y(p[name]):.1f}" for p in curve)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
                     f'<title>{name}</title></polyline>')
        today = next((p for p in curve if p["factor"] == 1.0), None)
        if today is not None:
            parts.append(f'<circle cx="{x(1.0):.1f}" cy="{y(today[name]):.1f}" r="5" fill="{colour}">'
                         f'<title>{name} today: {html.escape(_money(today[name]))}/month</title></circle>')
    if break_even is not None:
        parts.append(f'<line x1="{x(break_even):.1f}" y1="{top}" x2="{x(break_even):.1f}" y2="{height - bottom}" '
                     'stroke="#555" stroke-dasharray="4 4"/>')
        parts.append(f'<text x="{x(break_even) + 4:.1f}" y="{top + 14}" font-size="12">break-even '
                     f'{break_even:.2f}x</text>')
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 10}" text-anchor="middle" '
                 'font-size="12">traffic (x today\'s)</text>')
    for index, (name, _, colour) in enumerate(SERIES):
        parts.append(f'<rect x="{left + 10 + index * 110}" y="{top + 8}" width="14" height="4" fill="{colour}"/>'
                     f'<text x="{left + 30 + index * 110}" y="{top + 14}" font-size="12">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def html_page(report: dict[str, Any]) -> str:
    """The whole report as one HTML file (inline SVG and CSS, no script)."""
    e = html.escape

    def items(side: str) -> str:
        rows = "".join(
            f"<tr><td>{e(i['name'])}</td><td>{i['quantity']:,.2f} {e(i['unit'])}</td>"
            f"<td>{price_text(i['unit_price'])}</td>"
            f"<td>${i['monthly']:,.2f}</td><td>{e(i['estimate']) or '-'}</td></tr>"
            for i in report[side]["items"])
        return (f"<h2>{e(side.upper())}: ${report[side]['total']:,.2f}/month</h2><table><tr><th>item</th>"
                f"<th>quantity</th><th>unit price</th><th>monthly</th><th>estimate?</th></tr>{rows}</table>")

    routes = "".join(f"<tr><td>{e(r['route'])}</td><td>{r['requests_per_month']:,}</td><td>{r['mean_ms']:,.1f}</td>"
                     f"<td>${r['duration_cost']:,.2f}</td><td>{r['share']:.0%}</td></tr>" for r in report["routes"])
    memory = "".join(f"<tr><td>{m['memory_mb']}</td><td>{m['duration_ms']:,.1f}</td><td>{m['wait_ms']:,.1f}</td>"
                     f"<td>{m['cpu_ms']:,.1f}</td><td>{m['init_ms']:,.1f}</td><td>${m['duration_cost']:,.2f}</td><td>${m['lambda_total']:,.2f}</td>"
                     f"<td>{m['p99_concurrency']}</td></tr>" for m in report["memory"])
    even = report["break_even"]
    headline = (f"Break-even at {even['factor']:.2f}x today's traffic ({even['requests_per_month']:,} requests/month)"
                if even else "No break-even between 0.1x and 100x today's traffic")
    notes = "".join(f"<li>{e(note)}</li>" for note in report["notes"])
    sources = "".join(f"<li><b>{e(str(k))}</b>: {e('; '.join(map(str, v)) if isinstance(v, list) else str(v))}</li>"
                      for k, v in report["prices"]["sources"].items())
    memory_table = ("<h2>Memory sizes</h2><p>Wait (network: LLM, search, Redis) does not shrink with memory; "
                    "CPU-bound time and init (cold starts, billed) do, up to one full vCPU at 1,769 MB.</p>"
                    "<table><tr><th>MB</th><th>ms</th>"
                    "<th>wait ms</th><th>CPU ms</th><th>init ms</th><th>duration $/month</th><th>Lambda $/month</th>"
                    f"<th>p99 concurrency</th></tr>{memory}</table>") if memory else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shopbot cost</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}th{{background:#f4f4f4}}</style></head><body>
<h1>ECS or Lambda: monthly cost from measured traffic</h1>
<p>{report['traffic']['requests']:,} requests over {report['traffic']['period_seconds'] / 3600:.2f} h
(~{report['traffic']['requests_per_month']:,}/month), region {e(report['region'])}. Today
<b>{e(report['cheaper'])}</b> is cheaper by ${report['difference']:,.2f}/month. {e(headline)}.</p>
{svg_chart(report['curve'], even['factor'] if even else None)}
{items('ecs')}
{items('lambda')}
<h2>Where the Lambda duration charge comes from</h2>
<table><tr><th>route</th><th>requests/month</th><th>mean ms</th><th>duration $/month</th><th>share</th></tr>
{routes}</table>
{memory_table}
<h2>Peak</h2><p>p99 minute: {report['peak']['p99_concurrency']:.2f} concurrent executions (busiest minute
{report['peak']['max_concurrency']:.2f}); {report['peak']['p99_requests_per_second']:.2f} req/s.</p>
<h2>Notes</h2><ul>{notes}</ul>
<h2>Price table</h2><p>{e(report['prices']['source'])}, dated {e(report['prices']['date'])}.</p><ul>{sources}</ul>
</body></html>
"""
