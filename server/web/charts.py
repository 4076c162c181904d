"""Chart geometry for server-rendered SVG (no chart library, no script): the templates draw
what these functions compute. Values are numbers the server produced; labels are escaped by
the templates like any other text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power: float = 10 ** math.floor(math.log10(value))  # an int from 1 up, a float below
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(
    labels: Sequence[str],
    series: Sequence[dict[str, Any]],
    *,
    width: int = 720,
    height: int = 220,
) -> dict[str, Any]:
    """Lines (and a filled area under the first) for daily values.

    ``series`` items are ``{"name", "values", "css"}``; returns paths, grid lines, axis labels
    and one point per value (for ``<title>`` hover text).
    """
    left, right, top, bottom = 40, 12, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    # counts: an axis maximum divisible by the four grid steps keeps every label whole
    peak = max(
        4,
        math.ceil(_nice_max(max((max(s["values"], default=0) for s in series), default=0)) / 4) * 4,
    )
    count = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return round(left + inner_w * i / count, 1)

    def y(v: float) -> float:
        return round(top + inner_h * (1 - v / peak), 1)

    drawn = []
    for s in series:
        points = [(x(i), y(v), v, labels[i]) for i, v in enumerate(s["values"])]
        line = " ".join(
            f"{'M' if i == 0 else 'L'}{px},{py}" for i, (px, py, _, _) in enumerate(points)
        )
        area = f"{line} L{x(len(points) - 1)},{y(0)} L{x(0)},{y(0)} Z" if points else ""
        drawn.append({**s, "line": line, "area": area, "points": points})
    grid = [{"y": y(peak * k / 4), "label": _short(peak * k / 4)} for k in range(5)]
    every = max(1, math.ceil(len(labels) / 8))
    shown = [i for i in range(len(labels)) if i % every == 0]
    last = len(labels) - 1
    if shown and last - shown[-1] >= max(1, every * 2 // 3):
        shown.append(last)  # the range's last day, unless it would crowd the tick before it
    ticks = [
        {"x": x(i), "label": labels[i][5:] if len(labels[i]) == 10 else labels[i]} for i in shown
    ]
    return {
        "width": width,
        "height": height,
        "series": drawn,
        "grid": grid,
        "ticks": ticks,
        "left": left,
        "right": width - right,
        "baseline": y(0),
    }


def bars(items: Sequence[tuple[str, int]], *, width: int = 360) -> dict[str, Any]:
    """Horizontal bars, longest first, scaled to the largest value."""
    peak = max((value for _, value in items), default=0) or 1
    row = 28
    return {
        "width": width,
        "height": max(row, row * len(items)),
        "rows": [
            {
                "label": label,
                "value": value,
                "y": i * row,
                "length": round(max(2.0, width * value / peak), 1),
            }
            for i, (label, value) in enumerate(items)
        ],
    }


def _short(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def labelled_bars(
    items: Sequence[tuple[str, float, str]],
    *,
    width: int = 300,
    peak: float | None = None,
    text_width: int = 90,
) -> dict[str, Any]:
    """Horizontal bars with a text of their own (``(label, value, text)``), scaled to ``peak``
    (default: the largest value), in the order given."""
    top = peak or max((value for _, value, _ in items), default=0) or 1
    row = 28
    return {
        "width": width,
        "text_width": text_width,
        "height": max(row, row * len(items)),
        "rows": [
            {
                "label": label,
                "value": value,
                "text": text,
                "y": i * row,
                "length": round(max(2.0, width * min(value, top) / top), 1),
            }
            for i, (label, value, text) in enumerate(items)
        ],
    }


def share_bars(
    items: Sequence[tuple[str, int, int]], *, width: int = 300, text_width: int = 110
) -> dict[str, Any]:
    """A bar per ``(label, met, missed)``: the met share from the left, the missed share after
    it, over a full-width track; the text says the share and the counts ("75% · 3 of 4")."""
    row = 28
    rows = []
    for i, (label, met, missed) in enumerate(items):
        total = met + missed
        met_length = round(width * met / total, 1) if total else 0.0
        rows.append(
            {
                "label": label,
                "y": i * row,
                "met": met,
                "missed": missed,
                "met_length": met_length,
                "missed_length": round(width - met_length, 1) if total and missed else 0.0,
                "text": f"{round(100 * met / total)}% · {met} of {total}" if total else "none due",
            }
        )
    return {
        "width": width,
        "text_width": text_width,
        "height": max(row, row * len(items)),
        "rows": rows,
    }


def spread_bars(
    items: Sequence[tuple[str, float, float, str]], *, width: int = 240, text_width: int = 160
) -> dict[str, Any]:
    """A bar per ``(label, median, p90, text)`` to the median, carried on more lightly to the
    90th percentile, all scaled to the largest 90th percentile."""
    top = max((p90 for _, _, p90, _ in items), default=0) or 1
    row = 28
    return {
        "width": width,
        "text_width": text_width,
        "height": max(row, row * len(items)),
        "rows": [
            {
                "label": label,
                "text": text,
                "y": i * row,
                "median_length": round(max(2.0, width * median / top), 1),
                "p90_length": round(max(2.0, width * p90 / top), 1),
            }
            for i, (label, median, p90, text) in enumerate(items)
        ],
    }
