"""Small server-rendered SVG charts: no JavaScript, no external library, readable by screen readers.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>` (which says
what the chart shows in one sentence); pages always put a data table with the same figures next
to it, so nothing is only in the picture. Series differ by dash pattern as well as colour (WCAG
1.4.1), and every colour has at least 3:1 contrast on white (WCAG 1.4.11).

Values are integers (cents); the caller passes labels already formatted for the page's language,
so these helpers know nothing of languages or money.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Dark enough on white for 3:1 (and more): green, blue, purple, amber, red, teal.
PALETTE = ("#1d5e3a", "#1f5f99", "#6b3d8f", "#8a5300", "#a3262a", "#0f6e6e")
DASHES = ("", "8 5", "2 4", "12 4 2 4")
TEXT = "#1a1a1a"
GRID = "#c8c8c8"
# Narrow enough that text stays legible once scaled down to a phone (about 13 px at 390 px wide).
WIDTH = 420
FONT = 15


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def _text(x: float, y: float, content: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{TEXT}">{escape(content)}</text>'


def _open(chart_id: str, title: str, desc: str, height: float) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="{FONT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(
    ticks: Sequence[int], left: float, right: float, y: Callable[[int], float], label: Callable[[int], str]
) -> list[str]:
    """A grid line and its label at each tick of the y axis."""
    parts = []
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y(tick) + 5, label(tick), "end"))
    return parts


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars, one row per item: its label above the bar, its value after it.

    Negative values (a correction larger than what it corrects) are drawn left of the zero line."""
    row, left, value_room = 50, 4, 118
    height = max(1, len(bars)) * row + 8
    low = min([0, *(b.value for b in bars)])
    high = max([0, *(b.value for b in bars)])
    span = (high - low) or 1
    room = WIDTH - left - value_room
    zero = left + room * (-low / span)
    parts = _open(chart_id, title, desc, height)
    for index, bar in enumerate(bars):
        y = 4 + index * row
        x0, x1 = sorted((zero, zero + room * bar.value / span))
        colour = PALETTE[index % len(PALETTE)]
        width = max(x1 - x0, 1)  # a zero still shows as a hairline next to its value
        parts.append(_text(left, y + 16, bar.label))
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 24}" width="{width:.1f}" height="18" fill="{colour}" rx="2"/>'
        )
        parts.append(_text(max(x1, zero) + 6, y + 38, bar.shown))
    if low < 0:
        parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}" stroke="{TEXT}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_ticks(low: int, high: int, count: int = 4) -> list[int]:
    """Round axis values covering [low, high]: steps of 1, 2 or 5 × a power of ten."""
    low, high = min(low, 0), max(high, 0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step:
        ticks.append(int(value))
        if value >= high:
            break
        value += step
    return ticks


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    axis_label: Callable[[int], str],
) -> Markup:
    """Lines over months, with a legend, a labelled y axis and a dot on every value."""
    left, right, top, bottom = 70, 12, 22 + 22 * len(series), 34
    height = top + 230 + bottom
    values = [v for s in series for v in s.values] or [0]
    ticks = nice_ticks(min(values), max(values))
    y_low, y_high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: int) -> float:
        return top + plot_h * (1 - (v - y_low) / ((y_high - y_low) or 1))

    parts = _open(chart_id, title, desc, height)
    for i, s in enumerate(series):  # legend, one line per series
        ly = 14 + 22 * i
        parts.append(
            f'<line x1="{left}" x2="{left + 30}" y1="{ly}" y2="{ly}" stroke="{PALETTE[i % len(PALETTE)]}" '
            f'stroke-width="3" stroke-dasharray="{DASHES[i % len(DASHES)]}"/>'
        )
        parts.append(_text(left + 36, ly + 5, s.name))
    parts.extend(_y_axis(ticks, left, right, y, axis_label))
    every = math.ceil(n / 5)  # at most five or six month labels, so they never overlap on a phone
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            parts.append(_text(x(i), height - 10, label, "middle"))
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        points = " ".join(f"{x(j):.1f},{y(v):.1f}" for j, v in enumerate(s.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3" '
            f'stroke-dasharray="{dash}"/>'
        )
        parts.extend(
            f'<circle cx="{x(j):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}"/>' for j, v in enumerate(s.values)
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# The forecast's bands: light and darker shades of the median's blue.
BAND_90, BAND_50 = "#d6e4f2", "#9fc0e2"


@dataclass(frozen=True)
class Bands:
    """A forecast, month by month (cents): the median and the 5, 25, 75 and 95 % percentiles."""

    p05: Sequence[int]
    p25: Sequence[int]
    p50: Sequence[int]
    p75: Sequence[int]
    p95: Sequence[int]


def fan_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    actual: Sequence[int],
    forecast: Bands,
    names: tuple[str, str, str, str],
    axis_label: Callable[[int], str],
) -> Markup:
    """What happened, then what may happen: the actual months as a solid line, then the forecast's
    90 % and 50 % bands and its median (dashed), on one time axis (`x_labels`: the actual months,
    then the forecast's). `names`: the legend's words for the actual line, the median, and the 50 %
    and 90 % bands. A dashed line marks zero when the figures cross it."""
    left, right, top, bottom = 78, 12, 22 + 22 * 4, 34
    height = top + 230 + bottom
    values = [*actual, *forecast.p05, *forecast.p95] or [0]
    ticks = nice_ticks(min(values), max(values))
    y_low, y_high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    offset = len(actual)  # the forecast's first month is the month after the last actual one

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: int) -> float:
        return top + plot_h * (1 - (v - y_low) / ((y_high - y_low) or 1))

    def area(low: Sequence[int], high: Sequence[int]) -> str:
        upper = [f"{x(offset + j):.1f},{y(v):.1f}" for j, v in enumerate(high)]
        lower = [f"{x(offset + j):.1f},{y(v):.1f}" for j, v in reversed(list(enumerate(low)))]
        return " ".join(upper + lower)

    actual_colour, median_colour = PALETTE[0], PALETTE[1]
    parts = _open(chart_id, title, desc, height)
    legend = [
        f'<line x1="{left}" x2="{left + 30}" y1="14" y2="14" stroke="{actual_colour}" stroke-width="3"/>',
        f'<line x1="{left}" x2="{left + 30}" y1="36" y2="36" stroke="{median_colour}" stroke-width="3" '
        f'stroke-dasharray="{DASHES[1]}"/>',
        f'<rect x="{left}" y="50" width="30" height="16" fill="{BAND_50}"/>',
        f'<rect x="{left}" y="72" width="30" height="16" fill="{BAND_90}"/>',
    ]
    parts.extend(legend)
    for row, name in enumerate(names):
        parts.append(_text(left + 36, 19 + 22 * row, name))
    parts.extend(_y_axis(ticks, left, right, y, axis_label))
    every = math.ceil(n / 5)
    labelled = list(range(0, n, every))
    if n - 1 - labelled[-1] >= max(2, every // 2):  # the last month, unless it would overlap
        labelled.append(n - 1)
    for i in labelled:
        parts.append(_text(x(i), height - 10, x_labels[i], "middle"))
    if forecast.p50:
        parts.append(f'<polygon points="{area(forecast.p05, forecast.p95)}" fill="{BAND_90}"/>')
        parts.append(f'<polygon points="{area(forecast.p25, forecast.p75)}" fill="{BAND_50}"/>')
        # The median starts from the last actual month, so the two lines join.
        start = [(offset - 1, actual[-1])] if actual else []
        median = [*start, *((offset + j, v) for j, v in enumerate(forecast.p50))]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in median)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{median_colour}" stroke-width="3" '
            f'stroke-dasharray="{DASHES[1]}"/>'
        )
    if actual:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(actual))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{actual_colour}" stroke-width="3"/>')
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{actual_colour}"/>'
            for i, v in enumerate(actual)
        )
    if y_low < 0 < y_high:
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{PALETTE[4]}" '
            f'stroke-width="2" stroke-dasharray="{DASHES[2]}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
