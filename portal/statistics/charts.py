"""Geometry of the server-drawn SVG charts; the templates only place what is computed here.

Every chart has a table of the same figures beside it, so the SVG is a picture for the
eye (``role="img"`` with a title and a summary) and the table is what screen readers and
printers read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from catalogue.growth import MonthPoint
from catalogue.vocabulary import ONLINE_KIND_LABELS, OnlineKind

from ..formatting import number_vi


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 4, 5 or 8 times a power of ten that is >= value (at least 4), so
    that the four gridlines fall on round numbers: 661 -> 800 (200, 400, 600)."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 5, 8, 10):
        if step * power >= value and (step * power) % 4 == 0:
            return step * power
    return 10 * power


@dataclass
class Bar:
    label: str
    value: int
    text: str
    y: float
    width: float
    css: str = ""


@dataclass
class BarChart:
    title: str
    summary: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)


BAR_WIDTH = 600
ROW = 56


def bar_chart(title: str, items: list[tuple[str, int]], css: list[str] | None = None) -> BarChart:
    """Horizontal bars with the label above each bar, readable at 360 px."""
    top = max((v for _, v in items), default=0) or 1
    chart = BarChart(title, "", BAR_WIDTH, max(ROW, ROW * len(items)))
    for i, (label, value) in enumerate(items):
        chart.bars.append(Bar(label, value, number_vi(value), i * ROW,
                              round((BAR_WIDTH - 90) * value / top, 1),
                              css[i] if css and i < len(css) else ""))
    chart.summary = "; ".join(f"{label}: {number_vi(value)}" for label, value in items)
    return chart


@dataclass
class Area:
    label: str
    points: str
    css: str


@dataclass
class Tick:
    at: float
    text: str


@dataclass
class Break:
    """Where the measure of "online" changes: a vertical line and what starts there."""

    at: float
    text: str


@dataclass
class GrowthChart:
    title: str
    summary: str
    width: int = 720
    height: int = 320
    left: int = 64
    bottom: int = 280
    top: int = 16
    areas: list[Area] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    outlines: list[str] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


# What is stacked under each measure, bottom up, with its legend label and colour class.
_BY_LEVEL = [(f"Mức độ {lv}", f"level-{lv}", lambda p, lv=lv: p.by_level.get(lv, 0))
             for lv in (2, 3, 4)]
_BY_KIND = [
    (ONLINE_KIND_LABELS[OnlineKind.PARTIAL], "kind-partial",
     lambda p: p.by_kind.get(OnlineKind.PARTIAL, 0)),
    (ONLINE_KIND_LABELS[OnlineKind.FULL], "kind-full",
     lambda p: p.by_kind.get(OnlineKind.FULL, 0)),
]


def _segments(points: list[MonthPoint]) -> list[tuple[int, int]]:
    """Runs of consecutive points counted the same way, as (first index, end index)."""
    runs: list[tuple[int, int]] = []
    first = 0
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i].scheme.by_kind != points[first].scheme.by_kind:
            runs.append((first, i))
            first = i
    return runs


def growth_chart(points: list[MonthPoint]) -> GrowthChart | None:
    """Online services month by month in the scheme of each month, stacked so that the top
    edge is the online total. Where the scheme changes the measure (1/8/2022: levels give
    way to toàn trình / một phần) the areas stop and start again after a marked break:
    two different measures are never joined into one line."""
    if not points:
        return None
    first, last = points[0], points[-1]
    summary = (f"Từ tháng {first.month[5:]}/{first.month[:4]} đến ngày {last.day:%d/%m/%Y}: "
               f"từ {number_vi(first.online)} ({first.scheme.decree}) lên "
               f"{number_vi(last.online)} dịch vụ ({last.scheme.decree}).")
    chart = GrowthChart("Số dịch vụ công trực tuyến theo tháng, theo quy định từng thời kỳ",
                        summary)
    right = chart.width - 16
    span = chart.bottom - chart.top
    top = nice_ceiling(max(p.online for p in points))
    n = len(points)

    def x(i: float) -> float:
        return round(chart.left + (right - chart.left) * (i / (n - 1) if n > 1 else 0.5), 1)

    def y(value: int) -> float:
        return round(chart.bottom - span * value / top, 1)

    used: dict[str, str] = {}
    for start, end in _segments(points):
        layers = _BY_KIND if points[start].scheme.by_kind else _BY_LEVEL
        idx = list(range(start, end))
        below = [0] * len(idx)
        for label, css, value in layers:
            above = [below[j] + value(points[i]) for j, i in enumerate(idx)]
            if above == below:
                continue
            if len(idx) == 1:  # one month: a narrow column instead of a line of zero width
                i = idx[0]
                upper = [f"{x(i) - 0.2},{y(above[0])}", f"{x(i) + 0.2},{y(above[0])}"] if n > 1 \
                    else [f"{x(i) - 8},{y(above[0])}", f"{x(i) + 8},{y(above[0])}"]
                lower = [pt.split(",")[0] + f",{y(below[0])}" for pt in reversed(upper)]
            else:
                upper = [f"{x(i)},{y(above[j])}" for j, i in enumerate(idx)]
                lower = [f"{x(i)},{y(below[j])}" for j, i in reversed(list(enumerate(idx)))]
            chart.areas.append(Area(label, " ".join(upper + lower), css))
            used.setdefault(css, label)
            below = above
        if len(idx) > 1:
            chart.outlines.append(" ".join(f"{x(i)},{y(below[j])}" for j, i in enumerate(idx)))
        if start > 0:
            scheme = points[start].scheme
            chart.breaks.append(Break(round((x(start - 1) + x(start)) / 2, 1),
                                      f"{scheme.starts:%m/%Y}: {scheme.decree}"))
    chart.legend = [(label, css) for css, label in used.items()]
    chart.y_ticks = [Tick(y(top * k // 4), number_vi(top * k // 4)) for k in range(5)]
    years = sorted({p.month[:4] for p in points})
    if len(years) > 1:
        step = max(1, math.ceil(len(years) / 8))
        for i, p in enumerate(points):
            if p.month.endswith("-01") and int(p.month[:4]) % step == 0:
                chart.x_ticks.append(Tick(x(i), p.month[:4]))
        if not chart.x_ticks:
            chart.x_ticks.append(Tick(x(0), points[0].month[:4]))
    else:
        step = max(1, math.ceil(n / 12))
        chart.x_ticks = [Tick(x(i), f"{p.month[5:]}/{p.month[2:4]}")
                         for i, p in enumerate(points) if i % step == 0]
    return chart


@dataclass
class LineChart:
    """One indicator's percentage through the years: a line on a 0–100 % scale."""

    title: str
    summary: str
    width: int = 720
    height: int = 260
    left: int = 56
    bottom: int = 220
    top: int = 16
    line: str = ""
    dots: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)


def line_chart(title: str, points: list[tuple[str, float | None]]) -> LineChart | None:
    """Percentages (None where nothing was published yet: a gap, not a zero)."""
    known = [(i, label, v) for i, (label, v) in enumerate(points) if v is not None]
    if not known:
        return None
    chart = LineChart(title, "; ".join(f"{label}: {number_vi(v, 1)} %" for _, label, v in known))
    right = chart.width - 48  # room for the last label, centred on its point
    n = len(points)

    def x(i: int) -> float:
        return round(chart.left + (right - chart.left) * (i / (n - 1) if n > 1 else 0.5), 1)

    def y(value: float) -> float:
        return round(chart.bottom - (chart.bottom - chart.top) * value / 100, 1)

    chart.line = " ".join(f"{x(i)},{y(v)}" for i, _, v in known)
    chart.dots = [Tick(x(i), f"{y(v)}") for i, _, v in known]
    chart.y_ticks = [Tick(y(v), f"{v} %") for v in (0, 25, 50, 75, 100)]
    step = max(1, math.ceil(n / 7))
    ticks = [i for i in range(n) if i % step == 0 and n - 1 - i >= max(2, step)] + [n - 1]
    chart.x_ticks = [Tick(x(i), points[i][0]) for i in ticks]
    return chart
