"""Charts drawn from the ledger's figures as SVG geometry (the templates draw it; no charting library).

A chart is a plain dict of numbers and labels, so the page needs no script to show it and the test
suite can check that every bar stands for a figure of the data.
"""
from __future__ import annotations

from datetime import date, timedelta

from onrecord.store.ledger import SOURCE_LABELS

SOURCE_TYPES = SOURCE_LABELS  # named, anonymous, organisational, media, other: the sourcing figures' own order
MAX_BARS = 260  # a longer timeline gets bars of several periods each
TICKS = 6
MAX_BAR_WIDTH = 48
BUCKETS = ("day", "week", "month")
DAYS_BY_DAY = 31  # a timeline spanning at most this many days has a bar per day
DAYS_BY_WEEK = 366  # ... at most this many, a bar per week (Monday to Sunday); longer, a bar per month


def bucket_for(first: date, last: date) -> str:
    """The period a timeline from `first` to `last` counts by: days for a month or less, weeks up to a year,
    else months (a corpus of one week reads as seven days, not one giant bar)."""
    days = (last - first).days + 1
    return "day" if days <= DAYS_BY_DAY else "week" if days <= DAYS_BY_WEEK else "month"


def period_start(day: date, bucket: str) -> date:
    """The first day of the period (day, week from Monday, month) holding `day`."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, bucket: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if bucket == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if bucket == "week" else 1)


def per_period(days: list[tuple[date, int]]) -> tuple[str, list[tuple[date, int]]]:
    """Counts per day regrouped by the bucket their span calls for: (bucket, [(period's first day, count)]),
    periods with a count only, oldest first."""
    if not days:
        return "day", []
    bucket = bucket_for(min(d for d, _ in days), max(d for d, _ in days))
    totals: dict[date, int] = {}
    for day, count in days:
        start = period_start(day, bucket)
        totals[start] = totals.get(start, 0) + count
    return bucket, sorted(totals.items())


def timeline(periods: list[tuple[date, int]], bucket: str = "week", width: int = 760, height: int = 200) -> dict | None:
    """Bars of statements per period (day, week or month) from (period's first day, count) pairs, empty periods
    included; None without data."""
    if not periods:
        return None
    counts = dict(periods)
    starts = [min(counts)]
    while starts[-1] < max(counts):
        starts.append(next_period(starts[-1], bucket))
    per_bar = -(-len(starts) // MAX_BARS)  # ceiling
    groups = [starts[n:n + per_bar] for n in range(0, len(starts), per_bar)]
    totals = [(group[0], sum(counts.get(start, 0) for start in group)) for group in groups]
    left, bottom, top = 44, 28, 12
    plot_width, plot_height = width - left - 8, height - bottom - top
    highest = max(total for _, total in totals)
    step = plot_width / len(totals)
    bars = []
    for n, (start, total) in enumerate(totals):
        bar_height = plot_height * total / highest if highest else 0
        bar_width = min(max(step * 0.8, 1), MAX_BAR_WIDTH)  # a few periods: slim bars, centred in their slot
        bars.append({"x": round(left + n * step + (step - bar_width) / 2, 2),
                     "y": round(top + plot_height - bar_height, 2), "width": round(bar_width, 2),
                     "height": round(bar_height, 2), "start": start.isoformat(), "statements": total})
    ticks = []
    tick_count = min(TICKS, len(totals))
    for k in range(tick_count):
        n = round(k * (len(totals) - 1) / (tick_count - 1)) if tick_count > 1 else 0  # the first and the last
        ticks.append({"x": bars[n]["x"] + bars[n]["width"] / 2, "label": totals[n][0].isoformat()})
    return {"width": width, "height": height, "left": left, "top": top, "bottom": top + plot_height,
            "right": width - 8, "highest": highest, "bucket": bucket, "periods_per_bar": per_bar, "bars": bars,
            "ticks": list({t["label"]: t for t in ticks}.values()),  # a short timeline repeats none
            "total": sum(total for _, total in totals)}


def sourcing_bars(scopes: list[tuple[str, dict]], width: int = 760, label_width: int = 220, row: int = 30,
                  total_width: int = 190) -> dict:
    """Stacked bars of source-type shares, one row per (label, SourcingFigures.to_dict()) pair (label_width 0: no
    labels), each with its labelled total at its end ("12 attributions (small sample)" fits in 190)."""
    gap = 8
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
