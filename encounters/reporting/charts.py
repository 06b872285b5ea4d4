"""Charts drawn on the server as SVG markup: no script, no fonts or files fetched, so a
chart looks the same on a page and in a PDF. Each function takes (label, value) pairs and
returns one <svg> element with a title and a description that states every value, for
screen readers and for anyone who cannot read the bars. All text is escaped here; the
result is safe to insert into a page as it is.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape

Number = int | float | Decimal
Series = Sequence[tuple[str, Number | None]]
ValueText = Callable[[Number], str]

FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#222"
MUTED = "#5b6470"
GRID = "#d5d9de"
TRACK = "#eef0f2"
BAR = "#1f5f8b"
NO_DATA = "No data for this period."
CHAR_WIDTH = 0.6  # of the font size: an estimate for placing labels, fits DejaVu Sans


def number_text(value: Number) -> str:
    """12345 as "12,345"; 4.5 as "4.5" (no trailing zeros)."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


def percent_text(value: Number) -> str:
    """75.4 as "75.4%" (to one place, halves rounded up as the figures are)."""
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def bar_chart(
    data: Series,
    *,
    title: str,
    value_text: ValueText = number_text,
    axis_text: ValueText | None = None,
    width: int = 560,
    height: int = 220,
    color: str = BAR,
    chart_id: str | None = None,
) -> str:
    """Vertical bars, one per label, in order, on a scale from zero (negative values go
    below the zero line). Values are printed over the bars when the bars are wide enough;
    `axis_text` writes the scale's round steps (by default as `value_text` does)."""
    axis_text = axis_text or value_text
    values = [v for _, v in data if v is not None]
    desc = _describe(data, value_text)
    if not values:
        return _empty(title, desc, width, chart_id)
    low, high, ticks = _scale(min(min(values), 0), max(max(values), 0))
    left = 12 + _text_width(max((axis_text(t) for t in ticks), key=len), 9)
    top, bottom = 16, 30
    plot_w, plot_h = width - left - 8, height - top - bottom
    span = float(high - low) or 1.0

    def y(v: Number) -> float:
        return top + plot_h * (float(high) - float(v)) / span

    parts = []
    for t in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y(t):.2f}" y2="{y(t):.2f}" '
            f'stroke="{GRID if t else MUTED}" stroke-width="{0.6 if t else 1}"/>'
            f'<text x="{left - 4}" y="{y(t) + 3:.2f}" text-anchor="end" font-size="9" '
            f'fill="{MUTED}">{escape(axis_text(t))}</text>'
        )
    slot = plot_w / len(data)
    bar_w = slot * 0.7
    show_values = slot >= _text_width(max((value_text(v) for v in values), key=len), 9) + 2
    every = max(1, math.ceil(max(_text_width(lbl, 9) for lbl, _ in data) / max(slot - 2, 1)))
    for i, (label, value) in enumerate(data):
        x = left + slot * i + (slot - bar_w) / 2
        cx = left + slot * (i + 0.5)
        if value is not None:
            y0, y1 = sorted((y(0), y(value)))
            parts.append(
                f'<rect class="bar" x="{x:.2f}" y="{y0:.2f}" width="{bar_w:.2f}" '
                f'height="{y1 - y0:.2f}" fill="{color}" data-value="{escape(str(value))}"/>'
            )
            if show_values:
                ty = y0 - 3 if Decimal(str(value)) >= 0 else y1 + 10
                parts.append(
                    f'<text x="{cx:.2f}" y="{ty:.2f}" text-anchor="middle" font-size="9" '
                    f'fill="{INK}">{escape(value_text(value))}</text>'
                )
        if i % every == 0:
            parts.append(
                f'<text x="{cx:.2f}" y="{height - bottom + 13}" text-anchor="middle" '
                f'font-size="9" fill="{MUTED}">{escape(label)}</text>'
            )
    return _svg(title, desc, width, height, "".join(parts), chart_id)


def share_bar_chart(
    data: Series,
    *,
    title: str,
    width: int = 560,
    color: str = BAR,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars of percents (0 to 100) on a full-width track, one row per label;
    a missing value (None) reads "no data"."""
    desc = _describe(data, percent_text)
    if not data:
        return _empty(title, desc, width, chart_id)
    row, gap = 18, 6
    label_w = min(width * 0.4, 8 + max(_text_width(lbl, 10) for lbl, _ in data))
    value_w = _text_width("100.0%", 9) + 8
    track = width - label_w - value_w
    height = len(data) * (row + gap) + gap
    parts = []
    for i, (label, value) in enumerate(data):
        ty = gap + i * (row + gap)
        mid = ty + row / 2 + 3.5
        parts.append(
            f'<text x="{label_w - 6:.2f}" y="{mid:.2f}" text-anchor="end" font-size="10" '
            f'fill="{INK}">{escape(_fit(label, label_w - 8, 10))}</text>'
            f'<rect x="{label_w:.2f}" y="{ty}" width="{track:.2f}" height="{row}" fill="{TRACK}"/>'
        )
        if value is None:
            text, end = "no data", label_w
        else:
            filled = track * min(max(float(value), 0.0), 100.0) / 100
            parts.append(
                f'<rect class="bar" x="{label_w:.2f}" y="{ty}" width="{filled:.2f}" '
                f'height="{row}" fill="{color}" data-value="{escape(str(value))}"/>'
            )
            text, end = percent_text(value), label_w + filled
        parts.append(
            f'<text x="{end + 4:.2f}" y="{mid:.2f}" font-size="9" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    return _svg(title, desc, width, height, "".join(parts), chart_id)


def distribution_chart(
    data: Series,
    *,
    title: str,
    low_label: str = "",
    high_label: str = "",
    width: int = 320,
    height: int = 180,
    color: str = BAR,
    chart_id: str | None = None,
) -> str:
    """How many answers gave each point of a scale (e.g. satisfaction 1 to 5), as columns
    with the count and its share of all answers; the ends of the scale named under it."""
    counts = [v for _, v in data if v is not None]
    total = sum((Decimal(str(v)) for v in counts), Decimal(0))

    def with_share(v: Number) -> str:
        if not total:
            return number_text(v)
        return f"{number_text(v)} ({percent_text(Decimal(str(v)) * 100 / total)})"

    desc = _describe(data, with_share)
    if not counts or not total:
        return _empty(title, desc, width, chart_id)
    top, bottom = 26, 34 if (low_label or high_label) else 20
    plot_h = height - top - bottom
    high = max(Decimal(str(v)) for v in counts)
    slot = (width - 8) / len(data)
    bar_w = slot * 0.6
    parts = [
        f'<line x1="4" x2="{width - 4}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>'
    ]
    for i, (label, value) in enumerate(data):
        cx = 4 + slot * (i + 0.5)
        if value is not None:
            h = plot_h * float(Decimal(str(value)) / high)
            parts.append(
                f'<rect class="bar" x="{cx - bar_w / 2:.2f}" y="{top + plot_h - h:.2f}" '
                f'width="{bar_w:.2f}" height="{h:.2f}" fill="{color}" '
                f'data-value="{escape(str(value))}"/>'
                f'<text x="{cx:.2f}" y="{top + plot_h - h - 13:.2f}" text-anchor="middle" '
                f'font-size="9" fill="{INK}">{escape(number_text(value))}</text>'
                f'<text x="{cx:.2f}" y="{top + plot_h - h - 3:.2f}" text-anchor="middle" '
                f'font-size="8" fill="{MUTED}">'
                f"{escape(percent_text(Decimal(str(value)) * 100 / total))}</text>"
            )
        parts.append(
            f'<text x="{cx:.2f}" y="{top + plot_h + 12}" text-anchor="middle" font-size="10" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    for text, x, anchor in ((low_label, 4, "start"), (high_label, width - 4, "end")):
        if text:
            parts.append(
                f'<text x="{x}" y="{height - 4}" text-anchor="{anchor}" font-size="9" '
                f'fill="{MUTED}">{escape(text)}</text>'
            )
    return _svg(title, desc, width, height, "".join(parts), chart_id)


# --- shared pieces ---------------------------------------------------------------------------


def _svg(title: str, desc: str, width: int, height: int, body: str, chart_id: str | None) -> str:
    key = chart_id or "chart-" + hashlib.sha256(f"{title}\n{desc}".encode()).hexdigest()[:10]
    key = escape(key)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" font-family="{FONT}">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _empty(title: str, desc: str, width: int, chart_id: str | None) -> str:
    body = (
        f'<text x="{width / 2:.2f}" y="24" text-anchor="middle" font-size="10" '
        f'fill="{MUTED}">{escape(NO_DATA)}</text>'
    )
    return _svg(title, desc or NO_DATA, width, 36, body, chart_id)


def _describe(data: Series, value_text: ValueText) -> str:
    return "; ".join(
        f"{label}: {'no data' if value is None else value_text(value)}" for label, value in data
    )


def _scale(low: Number, high: Number) -> tuple[Decimal, Decimal, list[Decimal]]:
    """A range from `low` to `high` widened to round steps (1, 2 or 5 times a power of
    ten), about four of them, and the tick values; zero is always one of the ticks."""
    lo, hi = Decimal(str(low)), Decimal(str(high))
    if lo == hi:
        hi = lo + 1
    raw = (hi - lo) / 4
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    t = start
    while t <= end:
        ticks.append(t.normalize() if t else Decimal(0))
        t += step
    return start, end, ticks


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _fit(text: str, room: float, size: float) -> str:
    """The label, cut with an ellipsis if it would not fit (the description keeps it whole)."""
    most = max(1, int(room / (size * CHAR_WIDTH)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"
