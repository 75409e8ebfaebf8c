"""Charts drawn from the ledger's figures as SVG geometry (the templates draw it; no charting library).

A chart is a plain dict of numbers and labels, so the page needs no script to show it and the test
suite can check that every bar stands for a figure of the data.
"""
from __future__ import annotations

from datetime import date, timedelta

from onrecord.store.ledger import SOURCE_TYPE_GROUPS

SOURCE_TYPES = (*SOURCE_TYPE_GROUPS.values(), "other")  # named, anonymous, organisational, media, other
MAX_BARS = 260  # about five years of weeks; a longer timeline gets bars of several weeks each
TICKS = 6


def timeline(weeks: list[tuple[date, int]], width: int = 760, height: int = 200) -> dict | None:
    """Bars of statements per week from (week's Monday, count) pairs, empty weeks included; None without data."""
    if not weeks:
        return None
    counts = dict(weeks)
    first, last = min(counts), max(counts)
    span = (last - first).days // 7 + 1
    weeks_per_bar = -(-span // MAX_BARS)  # ceiling
    bars_count = -(-span // weeks_per_bar)
    left, bottom, top = 44, 28, 12
    plot_width, plot_height = width - left - 8, height - bottom - top
    totals = []
    for n in range(bars_count):
        start = first + timedelta(weeks=n * weeks_per_bar)
        total = sum(counts.get(start + timedelta(weeks=k), 0) for k in range(weeks_per_bar))
        totals.append((start, total))
    highest = max(total for _, total in totals)
    step = plot_width / bars_count
    bars = []
    for n, (start, total) in enumerate(totals):
        bar_height = plot_height * total / highest if highest else 0
        bars.append({"x": round(left + n * step, 2), "y": round(top + plot_height - bar_height, 2),
                     "width": round(max(step * 0.8, 1), 2), "height": round(bar_height, 2),
                     "week": start.isoformat(), "statements": total})
    ticks = []
    for k in range(min(TICKS, bars_count)):
        n = round(k * (bars_count - 1) / max(TICKS - 1, 1)) if bars_count > 1 else 0
        ticks.append({"x": bars[n]["x"] + bars[n]["width"] / 2, "label": totals[n][0].isoformat()})
    return {"width": width, "height": height, "left": left, "top": top, "bottom": top + plot_height,
            "right": width - 8, "highest": highest, "weeks_per_bar": weeks_per_bar, "bars": bars,
            "ticks": list({t["label"]: t for t in ticks}.values()),  # a short timeline repeats none
            "total": sum(total for _, total in totals)}


def sourcing_bars(scopes: list[tuple[str, dict]], width: int = 760, label_width: int = 220, row: int = 30) -> dict:
    """Stacked bars of source-type shares, one row per (label, SourcingFigures.to_dict()) pair (label_width 0: no labels)."""
    gap, total_width = 8, 40
    plot = width - label_width - total_width
    rows = []
    for n, (label, figures) in enumerate(scopes):
        y = n * (row + gap)
        x = label_width
        segments = []
        for source_type in SOURCE_TYPES:
            figure = figures["source_types"].get(source_type, {"count": 0, "share": 0.0})
            segment_width = plot * figure["share"]
            if figure["count"]:
                segments.append({"type": source_type, "x": round(x, 2), "width": round(segment_width, 2),
                                 "count": figure["count"], "share": figure["share"]})
            x += segment_width
        rows.append({"label": label, "y": y, "text_y": y + row / 2 + 5, "segments": segments,
                     "attributions": figures["attributions"], "total_x": label_width + plot + 6})
    return {"width": width, "height": max(len(rows) * (row + gap) - gap, row), "row": row,
            "label_width": label_width, "plot_width": plot, "rows": rows, "types": SOURCE_TYPES}
