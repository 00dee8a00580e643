"""Geometry of the server-drawn SVG charts; the templates only place what is computed here.

Every chart has a table of the same figures beside it, so the SVG is a picture for the
eye (``role="img"`` with a title and a summary) and the table is what screen readers and
printers read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from catalogue.growth import MonthPoint
from catalogue.vocabulary import ONLINE_LABEL

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
    level: int
    points: str
    css: str


@dataclass
class Tick:
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
    outline: str = ""


def growth_chart(points: list[MonthPoint], levels: tuple[int, ...] = (2, 3, 4)) -> GrowthChart | None:
    """Online services month by month, levels stacked so the top edge is the online total."""
    if not points:
        return None
    chart = GrowthChart(
        f"Số {ONLINE_LABEL} theo tháng",
        f"Từ tháng {points[0].month[5:]}/{points[0].month[:4]} đến ngày "
        f"{points[-1].day:%d/%m/%Y}: từ {number_vi(points[0].online)} lên "
        f"{number_vi(points[-1].online)} dịch vụ.",
    )
    right = chart.width - 16
    span = chart.bottom - chart.top
    top = nice_ceiling(max(p.online for p in points))
    n = len(points)

    def x(i: int) -> float:
        return round(chart.left + (right - chart.left) * (i / (n - 1) if n > 1 else 0.5), 1)

    def y(value: int) -> float:
        return round(chart.bottom - span * value / top, 1)

    below = [0] * n
    for level in levels:
        above = [below[i] + points[i].by_level.get(level, 0) for i in range(n)]
        if above == below:
            continue
        upper = [f"{x(i)},{y(above[i])}" for i in range(n)]
        lower = [f"{x(i)},{y(below[i])}" for i in reversed(range(n))]
        if n == 1:  # one month: a narrow column instead of a line of zero width
            upper = [f"{x(0) - 8},{y(above[0])}", f"{x(0) + 8},{y(above[0])}"]
            lower = [f"{x(0) + 8},{y(below[0])}", f"{x(0) - 8},{y(below[0])}"]
        chart.areas.append(Area(level, " ".join(upper + lower), f"level-{level}"))
        below = above
    chart.outline = " ".join(f"{x(i)},{y(below[i])}" for i in range(n)) if n > 1 else ""
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
