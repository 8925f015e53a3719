"""The dashboard's charts as inline SVG: nothing to load, readable without colour (titles, labels).

Every shape carries its number in `data-value` and a `<title>`, so a reader, a screen reader and a
browser test see the same figure. Every text is escaped.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

# state -> colour: each at least 3:1 against white (WCAG 1.4.11, graphics)
STATE_COLOURS = {
    "merged": "#1a7f37", "in_review": "#0969da", "conflict": "#9a6700", "rejected": "#cf222e",
    "failed": "#57606a", "pending": "#8c959f",
}
SERIES_COLOURS = ("#0969da", "#8250df", "#1a7f37", "#9a6700", "#cf222e", "#1b7c83", "#bc4c00", "#57606a")
Segment = tuple[str, int, str]   # label, value, colour


def stacked_bar(segments: Sequence[Segment], *, label: str, chart: str) -> str:
    """One horizontal bar split by value; empty segments are left out."""
    total = sum(v for _, v, _ in segments)
    summary = f"{label}: " + (", ".join(f"{name} {v}" for name, v, _ in segments if v) or "nothing yet")
    parts, x = [], 0.0
    for name, value, colour in segments:
        if value and total:
            width = 100 * value / total
            parts.append(f'<rect x="{x:.3f}" y="0" width="{width:.3f}" height="10" fill="{colour}" '
                         f'data-label="{escape(name)}" data-value="{value}"><title>{escape(name)}: {value}'
                         f'</title></rect>')
            x += width
    if not parts:
        parts.append('<rect x="0" y="0" width="100" height="10" fill="#eaeef2"/>')
    return (f'<svg class="bar" data-chart="{escape(chart)}" viewBox="0 0 100 10" preserveAspectRatio="none" '
            f'role="img" aria-label="{escape(summary)}"><title>{escape(summary)}</title>{"".join(parts)}</svg>')


def legend(segments: Sequence[Segment]) -> str:
    items = "".join(f'<li><span class="swatch" style="background:{colour}"></span>{escape(name)} '
                    f'<strong>{value}</strong></li>' for name, value, colour in segments if value)
    return f'<ul class="legend">{items}</ul>'


_W, _H, _L, _B, _T, _R = 640, 240, 44, 28, 12, 12   # size and margins (left, bottom, top, right)


def line_chart(times: Sequence[datetime], series: Mapping[str, Sequence[int]], *, label: str, chart: str) -> str:
    """A line per series over time; the y axis starts at 0."""
    if not times:
        return f'<p class="empty" data-chart="{escape(chart)}">No transition recorded yet.</p>'
    top = max([1, *(v for values in series.values() for v in values)])
    xs = _x_positions(times)
    lines = "".join(_series(name, xs, values, top) for name, values in series.items())
    axes = (f'<line x1="{_L}" y1="{_H - _B}" x2="{_W - _R}" y2="{_H - _B}" class="axis"/>'
            f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_H - _B}" class="axis"/>'
            f'<text x="{_L - 6}" y="{_T + 4}" text-anchor="end">{top}</text>'
            f'<text x="{_L - 6}" y="{_H - _B}" text-anchor="end">0</text>'
            f'<text x="{_L}" y="{_H - 8}">{_when(times[0])}</text>'
            f'<text x="{_W - _R}" y="{_H - 8}" text-anchor="end">{_when(times[-1])}</text>')
    return (f'<svg class="chart" data-chart="{escape(chart)}" viewBox="0 0 {_W} {_H}" role="img" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>{axes}{lines}</svg>')


def _x_positions(times: Sequence[datetime]) -> list[float]:
    start, span = times[0], (times[-1] - times[0]).total_seconds()
    width = _W - _L - _R
    if not span:
        return [_L + width / 2] * len(times)
    return [_L + width * (t - start).total_seconds() / span for t in times]


def _series(name: str, xs: Sequence[float], values: Sequence[int], top: int) -> str:
    height = _H - _B - _T
    ys = [_H - _B - height * v / top for v in values]
    colour = STATE_COLOURS.get(name, "#57606a")
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    last = values[-1]
    return (f'<polyline data-series="{escape(name)}" data-value="{last}" points="{points}" fill="none" '
            f'stroke="{colour}" stroke-width="2.5"/>'
            f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="4" fill="{colour}">'
            f'<title>{escape(name.replace("_", " "))}: {last}</title></circle>')


def percentile_bars(values: Sequence[tuple[str, float | None]], *, label: str, chart: str) -> str:
    """Horizontal bars for p50/p90/p99 (seconds), scaled to the largest."""
    known = [(name, v) for name, v in values if v is not None]
    if not known:
        return f'<p class="empty" data-chart="{escape(chart)}">No PR merged yet.</p>'
    top = max(v for _, v in known) or 1.0
    rows = "".join(
        f'<text x="0" y="{18 + 26 * i}">{escape(name)}</text>'
        f'<rect x="48" y="{6 + 26 * i}" width="{max(1.0, 440 * v / top):.1f}" height="16" fill="#0969da" '
        f'data-label="{escape(name)}" data-value="{v:.0f}"><title>{escape(name)}: {duration(v)}</title></rect>'
        f'<text x="{56 + 440 * v / top:.1f}" y="{18 + 26 * i}">{duration(v)}</text>'
        for i, (name, v) in enumerate(known))
    return (f'<svg class="chart" data-chart="{escape(chart)}" viewBox="0 0 640 {10 + 26 * len(known)}" '
            f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{rows}</svg>')


def duration(seconds: float | None) -> str:
    """3 d 4 h, 2 h 5 min, 7 min, 12 s."""
    if seconds is None:
        return "n/a"
    s = round(seconds)
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{s} s"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")
