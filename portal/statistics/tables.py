"""The statistics as tables: what the page shows beside each chart and what downloads hold.

One definition per table, so the figures on screen, in CSV and in Excel are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from catalogue.schemes import Scheme
from catalogue.statistics import Row, Statistics
from catalogue.vocabulary import (
    AUDIENCE_LABELS,
    LEVEL_LABELS,
    LEVELS,
    ONLINE_KIND_LABELS,
    ONLINE_KINDS,
    TIER_LABELS,
)

from ..formatting import number_vi


def online_column(scheme: Scheme) -> str:
    """The online column names its decree, so a CSV or sheet says how it counted."""
    return f"{scheme.online_column} – {scheme.decree}"


def _figure(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return number_vi(value, 1)
    if isinstance(value, int):
        return number_vi(value)
    return str(value)


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Per row: nesting depth (agency tree) and whether it is a group subtotal.
    depths: list[int] = field(default_factory=list)
    groups: list[bool] = field(default_factory=list)
    day: date | None = None
    period: tuple[date, date] | None = None
    scheme: Scheme | None = None

    def display(self, signed: bool = False) -> list[tuple[str, list[str], int, bool]]:
        """Rows as the page shows them: label, Vietnamese-formatted figures, depth, group.

        Formatted here rather than cell by cell in the template: a 100,000-service
        catalogue has tables of hundreds of rows, and per-cell macros dominated the page.
        """
        shown = []
        for i, row in enumerate(self.rows):
            figures = [_figure(v) for v in row[1:]]
            if signed and isinstance(row[-1], int) and row[-1] > 0:
                figures[-1] = "+" + figures[-1]
            depth = self.depths[i] if i < len(self.depths) else 0
            group = self.groups[i] if i < len(self.groups) else False
            shown.append((str(row[0]), figures, depth, group))
        return shown

    def filename(self, extension: str) -> str:
        if self.period:
            stamp = f"{self.period[0].isoformat()}-{self.period[1].isoformat()}"
        else:
            stamp = self.day.isoformat() if self.day else ""
        return f"thong-ke-{self.slug}-{stamp}.{extension}"


def _breakdown(slug: str, title: str, head: str, rows: list[Row], labels: dict[str, str] | None,
               day: date, scheme: Scheme) -> Table:
    table = Table(slug, title, [head, "Số dịch vụ", online_column(scheme)], day=day, scheme=scheme)
    for row in rows:
        label = labels.get(row.key, row.key) if labels else row.label
        table.rows.append([label, row.count, row.online])
        table.depths.append(row.depth)
        table.groups.append(row.group)
    return table


def build_tables(stats: Statistics) -> dict[str, Table]:
    b = stats.breakdown
    day, scheme = b.as_of, b.scheme
    total = b.published_total
    level = Table("theo-muc-do", "Theo mức độ", ["Mức độ", "Số dịch vụ", "Tỷ lệ (%)"], day=day,
                  scheme=scheme)
    for lv in LEVELS:
        share = round(100 * b.by_level[lv] / total, 1) if total else 0.0
        level.rows.append([LEVEL_LABELS[lv], b.by_level[lv], share])
    level.rows.append(["Tổng số dịch vụ đã công bố", total, 100.0 if total else 0.0])
    level.groups = [False] * len(LEVELS) + [True]
    level.depths = [0] * len(level.rows)

    agency = _breakdown("theo-co-quan", "Theo cơ quan thực hiện", "Cơ quan", b.agency_tree, None,
                        day, scheme)
    fields = _breakdown("theo-linh-vuc", "Theo lĩnh vực", "Lĩnh vực",
                        [r for r in b.by_field if r.count], None, day, scheme)
    tier = _breakdown("theo-cap", "Theo cấp thực hiện", "Cấp thực hiện", b.by_tier, TIER_LABELS,
                      day, scheme)
    audience = _breakdown("theo-doi-tuong", "Theo đối tượng thực hiện", "Đối tượng",
                          b.by_audience, AUDIENCE_LABELS, day, scheme)

    growth = Table("tang-truong", "Dịch vụ đã công bố theo tháng",
                   ["Tháng", *(f"Mức độ {lv}" for lv in LEVELS),
                    *(ONLINE_KIND_LABELS[k] for k in ONLINE_KINDS),
                    "Trực tuyến (theo quy định của tháng)", "Cách tính"], day=day)
    for point in stats.growth:
        by_kind = point.scheme.by_kind
        growth.rows.append([f"{point.month[5:]}/{point.month[:4]}",
                            *(point.by_level[lv] for lv in LEVELS),
                            *((point.by_kind[k] if by_kind else None) for k in ONLINE_KINDS),
                            point.online, point.scheme.decree])
    tables = {t.slug: t for t in (level, agency, fields, tier, audience, growth)}
    if scheme.by_kind:
        kinds = Table("theo-hinh-thuc", "Theo hình thức trực tuyến",
                      ["Hình thức", "Số dịch vụ", "Tỷ lệ (%)"], day=day, scheme=scheme)
        for kind in ONLINE_KINDS:
            n = b.by_online_kind[kind]
            kinds.rows.append([ONLINE_KIND_LABELS[kind], n, round(100 * n / total, 1) if total else 0.0])
        kinds.rows.append([online_column(scheme), b.online_total,
                           round(100 * b.online_total / total, 1) if total else 0.0])
        kinds.groups = [False] * len(ONLINE_KINDS) + [True]
        kinds.depths = [0] * len(kinds.rows)
        tables[kinds.slug] = kinds

    if stats.period:
        p = stats.period
        change = Table("bien-dong", "Biến động trong kỳ",
                       ["Mức độ", "Đầu kỳ", "Cuối kỳ", "Tăng (+) / giảm (-)"], period=(p.start, p.end),
                       scheme=p.scheme_after)
        for lv in LEVELS:
            change.rows.append([LEVEL_LABELS[lv], p.before[lv], p.after[lv], p.by_level[lv]])
        if p.scheme_before.by_kind and p.scheme_after.by_kind:
            for kind in ONLINE_KINDS:
                change.rows.append([ONLINE_KIND_LABELS[kind], p.before_kinds[kind],
                                    p.after_kinds[kind], p.after_kinds[kind] - p.before_kinds[kind]])
        change.rows.append([f"Trực tuyến (đầu kỳ: {p.scheme_before.decree}; cuối kỳ: "
                            f"{p.scheme_after.decree})" if not p.comparable
                            else online_column(p.scheme_after),
                            p.online_before, p.online_after, p.online_change])
        change.groups = [False] * (len(change.rows) - 1) + [True]
        change.depths = [0] * len(change.rows)
        tables[change.slug] = change
    return tables


def online_share(stats: Statistics) -> float | None:
    total = stats.breakdown.published_total
    return 100 * stats.breakdown.online_total / total if total else None
