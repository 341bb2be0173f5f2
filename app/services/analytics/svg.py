"""Charts of «Аналитика» drawn on the server as SVG text: a horizontal bar chart and a line chart
of a few series over months.

Why on the server: hospital networks are closed (no CDN), a page must print and work with scripts
off, and the numbers are already on the server — so the chart is markup like the table beside it,
with no JavaScript library to ship, update or audit.  Pure: no Flask, no database; every text that
reaches the SVG (rule texts, names) is escaped here.  Money stays Decimal in the labels; only the
pixel geometry is computed in floating point.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional, Sequence, Union

from app.core.formatting import format_money

Number = Union[int, Decimal]

FONT = 'font-family="Helvetica, Arial, sans-serif"'
TEXT = "#333"
GRID = "#e3e3e3"
AXIS = "#999"
#: the colours of the sources, and of anything else in order (print well in grey too)
COLOURS = ("#c0392b", "#e67e22", "#8e44ad", "#2c7fb8", "#27ae60", "#7f8c8d")
NO_DATA = "Нет данных за выбранный период"


def esc(value: object) -> str:
    """A text for SVG content or an attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def compact(value: Number) -> str:
    """A number as an axis reads it: «1,5 млн», «250 тыс.», «12»."""
    v = Decimal(value or 0)
    for limit, word in ((10**9, "млрд"), (10**6, "млн"), (10**3, "тыс.")):
        if abs(v) >= limit:
            shown = f"{v / limit:.1f}".replace(".", ",").removesuffix(",0")
            return f"{shown} {word}"
    return str(int(v)) if v == v.to_integral_value() else f"{v:.1f}".replace(".", ",")


def money_text(value: Number) -> str:
    return format_money(Decimal(value or 0))


def count_text(value: Number) -> str:
    return f"{int(value or 0):,}".replace(",", "\u00a0")


def nice_scale(largest: float, ticks: int = 4) -> tuple[float, float]:
    """(step, top) of an axis from 0 holding ``largest``: a step of 1, 2, 2.5 or 5 × 10ⁿ (at least 1)."""
    if largest <= 0:
        return 1.0, float(ticks)
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power)
    step = max(step, 1.0)
    return step, step * math.ceil(largest / step)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(width: int, height: int, title: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="oms-chart {css_class}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{esc(title)}" {FONT} '
        f'font-size="12" style="max-width:{width}px">',
        f"<title>{esc(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{TEXT}">{esc(title)}</text>',
    ]


def _no_data(width: int, title: str, css_class: str) -> str:
    parts = _open(width, 60, title, css_class)
    parts.append(f'<text x="0" y="44" fill="{AXIS}">{esc(NO_DATA)}</text></svg>')
    return "".join(parts)


# -- bars ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: str  # shown shortened at the left; whole in the tooltip
    value: Number
    colour: str = COLOURS[0]
    tooltip: str = ""  # more words for the tooltip (the rule's text)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    value_text: Callable[[Number], str] = money_text,
    width: int = 720,
    label_width: int = 250,
) -> str:
    """Horizontal bars, largest first as given, each with its value at its end."""
    if not bars or all(not b.value for b in bars):
        return _no_data(width, title, "oms-bar-chart")
    row, top = 24, 30
    height = top + row * len(bars) + 8
    value_room = 110
    span = width - label_width - value_room
    largest = max(float(b.value or 0) for b in bars) or 1.0
    parts = _open(width, height, title, "oms-bar-chart")
    chars = max(8, label_width // 7)
    for i, b in enumerate(bars):
        y = top + i * row
        length = max(1.0, span * float(b.value or 0) / largest) if b.value else 0.0
        tip = " — ".join(p for p in (b.label, value_text(b.value), b.tooltip) if p)
        parts.append(f"<g><title>{esc(tip)}</title>")
        label = esc(_shorten(b.label, chars))
        parts.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT}">{label}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{esc(b.colour)}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" fill="{TEXT}">{esc(value_text(b.value))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


# -- lines -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Optional[Number]]  # one per category; None: no point
    colour: str = COLOURS[0]


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_text: Callable[[Number], str] = money_text,
    axis_text: Callable[[Number], str] = compact,
    width: int = 720,
    height: int = 300,
) -> str:
    """A line per series over the categories (months), with the axis from 0, a grid, a point per
    value (its tooltip: the series, the month, the value) and the legend below."""
    values = [float(v) for s in series for v in s.values if v is not None]
    if not categories or not values:
        return _no_data(width, title, "oms-line-chart")
    left, right, top, bottom = 70, 16, 34, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    step, ceiling = nice_scale(max(values))
    parts = _open(width, height, title, "oms-line-chart")

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * v / ceiling

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(categories))

    tick = 0.0
    while tick <= ceiling + 1e-9:
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        label = axis_text(Decimal(str(tick)))
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{esc(label)}</text>')
        tick += step
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{AXIS}"/>')
    for i, label in enumerate(categories):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT}">{esc(label)}</text>'
        )
    for s in series:
        points = [(x_of(i), y_of(float(v)), v, categories[i]) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{esc(s.colour)}" stroke-width="2"/>')
        for x, y, v, label in points:
            tip = f"{s.name}, {label}: {value_text(v)}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{esc(s.colour)}"><title>{esc(tip)}</title></circle>'
            )
    x = left
    legend_y = height - 14
    for s in series:
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{esc(s.colour)}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y}" fill="{TEXT}">{esc(s.name)}</text>')
        x += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)
