"""Views of the statistics: parse the request, ask the domain, render or download."""

from __future__ import annotations

from flask import Response, render_template, request

from catalogue.clock import today_vn
from catalogue.statistics import compute_statistics

from ..errors import error_page
from ..extensions import db
from ..page_cache import cached
from ..params.statistics import (
    QueryError,
    StatisticsQuery,
    agency_groups,
    check_day_in_range,
    first_day,
    period_label,
)
from . import bp
from .charts import bar_chart, growth_chart
from .exports import XLSX_MIMETYPE, table_csv, tables_xlsx
from .tables import build_tables, online_share

FORMATS = ("csv", "xlsx")


def _statistics(query: StatisticsQuery, *, with_growth: bool = True):
    return compute_statistics(
        db.session, query.as_of, period_start=query.period_start, period_end=query.period_end,
        agency_groups=agency_groups(), with_growth=with_growth,
    )


def _charts(stats, tables):
    b = stats.breakdown
    return {
        "growth": growth_chart(stats.growth),
        "level": bar_chart("Dịch vụ đã công bố theo mức độ",
                           [(f"Mức độ {lv}", n) for lv, n in b.by_level.items()],
                           [f"level-{lv}" for lv in b.by_level]),
        "agency": bar_chart("Dịch vụ đã công bố theo cơ quan",
                            [(r.label, r.count) for r in b.agency_tree if r.depth == 0 and r.count]),
        "field": bar_chart("Dịch vụ đã công bố theo lĩnh vực",
                           [(row[0], row[1]) for row in tables["theo-linh-vuc"].rows]),
        "tier": bar_chart("Dịch vụ đã công bố theo cấp thực hiện",
                          [(row[0], row[1]) for row in tables["theo-cap"].rows]),
        "audience": bar_chart("Dịch vụ đã công bố theo đối tượng",
                              [(row[0], row[1]) for row in tables["theo-doi-tuong"].rows]),
    }


def _checked(query: StatisticsQuery) -> StatisticsQuery:
    """An as_of the user typed must be a day with figures (the default, today, is)."""
    if request.args.get("as_of", "").strip():
        check_day_in_range(query.as_of, first_day())
    return query


@bp.get("/statistics")
@cached
def index():
    try:
        query = _checked(StatisticsQuery.from_args(request.args))
    except QueryError as exc:
        return error_page(400, str(exc))
    stats = _statistics(query)
    tables = build_tables(stats)
    return render_template(
        "statistics/index.html", query=query, stats=stats, tables=tables,
        charts=_charts(stats, tables), share=online_share(stats),
        period_label=period_label(query.period_start, query.period_end),
    )


@bp.get("/statistics/report")
@cached
def report():
    """One printable page for a period: the figures as of its last day and how they moved."""
    try:
        query = StatisticsQuery.from_args(request.args, default_end="to")
    except QueryError as exc:
        return error_page(400, str(exc))
    query = StatisticsQuery(query.period_end, query.period_start, query.period_end)
    stats = _statistics(query)
    stats.growth = [p for p in stats.growth if p.day >= query.period_start.replace(day=1)]
    tables = build_tables(stats)
    return render_template(
        "statistics/report.html", query=query, stats=stats, tables=tables,
        growth=growth_chart(stats.growth), share=online_share(stats), today=today_vn(),
        period_label=period_label(query.period_start, query.period_end),
    )


@bp.get("/statistics/download/<slug>.<fmt>")
def download(slug: str, fmt: str):
    """One table as CSV or Excel, or every table in one workbook (``tat-ca.xlsx``)."""
    if fmt not in FORMATS:
        return error_page(404)
    try:
        query = _checked(StatisticsQuery.from_args(request.args))
    except QueryError as exc:
        return error_page(400, str(exc))
    if slug != "tat-ca":
        # Only the growth table needs the month-by-month history.
        stats = _statistics(query, with_growth=slug == "tang-truong")
    else:
        stats = _statistics(query)
    tables = build_tables(stats)
    title = f"Thống kê dịch vụ công trực tuyến tỉnh Đắk Lắk, tính đến ngày {query.as_of:%d/%m/%Y}"
    if slug == "tat-ca":
        if fmt != "xlsx":
            return error_page(404)
        body, name = tables_xlsx(tables.values(), title), f"thong-ke-tat-ca-{query.as_of}.xlsx"
    elif slug in tables:
        table = tables[slug]
        body = table_csv(table) if fmt == "csv" else tables_xlsx([table], title)
        name = table.filename(fmt)
    else:
        return error_page(404)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_MIMETYPE
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
