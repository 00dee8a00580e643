"""/statistics/index: the catalogue's part of the national service index (Decision 766),
for the province and each agency, as of any date; its downloads."""

from __future__ import annotations

from flask import Response, current_app, render_template, request

from catalogue.clock import today_vn
from catalogue.readiness import (
    FORMULAS,
    INDICATORS,
    TITLES,
    Readiness,
    compute_readiness,
    first_publication_day,
    year_ends,
)
from catalogue.workdays import announced_days, calendar_of, library_name, warm_calendar

from ..errors import error_page
from ..extensions import db
from ..formatting import number_vi, percent_vi
from ..page_cache import cached
from ..params.statistics import QueryError, parse_day
from . import bp
from .charts import line_chart
from .exports import XLSX_MIMETYPE
from .readiness_exports import sheets_csv, sheets_xlsx

# The holiday calendar is built as the app is set up (once per process), not on the first
# reader's request.
bp.record_once(lambda state: warm_calendar())

SHOWN = 30  # services listed per indicator on the page; the download has them all
FORMATS = ("csv", "xlsx")

LIMITS = [
    "Xử lý hồ sơ (đúng hạn, trễ hạn, số hồ sơ trực tuyến): cần dữ liệu hồ sơ của hệ thống một cửa, "
    "danh mục không có.",
    "Thanh toán trực tuyến (tỷ lệ hồ sơ thanh toán trực tuyến): cần dữ liệu giao dịch thanh toán.",
    "Mức độ hài lòng của người dân, doanh nghiệp: cần kết quả đánh giá trên hồ sơ thực tế.",
    "Số hóa hồ sơ, kết quả giải quyết: cần dữ liệu kho số hóa.",
]


def max_points() -> dict[str, float]:
    """Points of each indicator on the index's scale, where the formula's scale is known
    (``INDEX_MAX_POINTS`` in the app config, e.g. {"1.1": 2}); none are assumed."""
    return dict(current_app.config.get("INDEX_MAX_POINTS", {}))


def _query():
    as_of = parse_day(request.args.get("as_of"), "as_of", "Ngày tính") or today_vn()
    agency = (request.args.get("agency") or "").strip()[:32] or None
    return as_of, agency


def _readiness(as_of, agency, with_series=True, limit=None) -> tuple[Readiness, str]:
    days = announced_days(db.session)
    first = first_publication_day(db.session) if with_series else None
    series = year_ends(first, as_of) if first and first <= as_of else []
    result = compute_readiness(db.session, as_of, calendar_of(days), series_days=series, agency=agency,
                               limit=limit)
    used = library_name()
    if days:
        used += f" và {number_vi(len(days))} ngày nghỉ, làm bù do quản trị nhập theo văn bản của Chính phủ"
    return result, used


def _charts(result: Readiness):
    labels = [(f"{d.year}" if (d.month, d.day) == (12, 31) and d != result.as_of else f"{d:%m/%Y}")
              for d, _ in result.series]
    charts = {}
    for key in (*INDICATORS, "3.1-full"):
        title = (f"Chỉ số {key}: {TITLES[key]} (%)" if key in TITLES
                 else "Chỉ số 3.1: tỷ lệ toàn trình trong số đủ điều kiện (%)")
        charts[key] = line_chart(title, [(label, f.ratio(key).percent)
                                         for label, (_, f) in zip(labels, result.series, strict=True)])
    return charts


@bp.get("/statistics/index")
@cached
def readiness():
    try:
        as_of, agency = _query()
    except QueryError as exc:
        return error_page(400, str(exc))
    result, used = _readiness(as_of, agency, limit=SHOWN)
    agencies = {a.code: a.name for a in result.agencies}
    if agency and agency not in agencies:
        return error_page(404, "Không có cơ quan này, hoặc cơ quan chưa có thủ tục công khai vào ngày đó.")
    return render_template(
        "statistics/readiness.html", result=result, as_of=as_of, agency=agency,
        agency_name=agencies.get(agency or ""), calendar_used=used, charts=_charts(result),
        titles=TITLES, formulas=FORMULAS, indicators=INDICATORS, points=max_points(),
        shown=SHOWN, limits=LIMITS, pct=_pct,
    )


def _pct(ratio) -> str:
    """A ratio's percentage as the page shows it ("92,3 %", "–" when nothing to count); a
    function, not a template macro: the ranking table calls it hundreds of times."""
    return percent_vi(ratio.percent)


def sheets(result: Readiness) -> list[tuple[str, list[str], list[list[object]]]]:
    """The page's tables as rows, for both downloads."""
    def pct(r):
        return round(r.percent, 1) if r.percent is not None else None

    province = ("Toàn tỉnh", ["Chỉ số", "Tên", "Đạt", "Tổng", "Tỷ lệ (%)", "Công thức"], [])
    for key in (*INDICATORS, "3.1-full"):
        r = result.province.ratio(key)
        title = TITLES.get(key, "Toàn trình trong số đủ điều kiện")
        province[2].append([key, title, r.met, r.total, pct(r), FORMULAS.get(key, FORMULAS["3.1"])])
    ranking = ("Xếp hạng cơ quan", ["Hạng", "Cơ quan", "Số thủ tục", "1.1 (%)", "1.2 (%)", "1.3 (%)",
                                    "3.1 trực tuyến (%)", "3.1 toàn trình (%)", "Điểm trung bình (%)"], [])
    for a in result.agencies:
        f = a.figures
        ranking[2].append([a.rank, a.name, f.services, pct(f.i11), pct(f.i12), pct(f.i13), pct(f.online),
                           pct(f.full), round(f.score, 1) if f.score is not None else None])
    shortfalls = ("Thủ tục cần sửa", ["Chỉ số", "Mã thủ tục", "Tên thủ tục", "Cơ quan", "Lý do"], [])
    for key in INDICATORS:
        for s in result.shortfalls[key]:
            shortfalls[2].append([key, s.code, s.name, s.agency, s.reason])
    return [province, ranking, shortfalls]


@bp.get("/statistics/index/download.<fmt>")
def readiness_download(fmt: str):
    if fmt not in FORMATS:
        return error_page(404)
    try:
        as_of, agency = _query()
    except QueryError as exc:
        return error_page(400, str(exc))
    result, _ = _readiness(as_of, agency, with_series=False)
    tables = sheets(result)
    name = f"chi-so-phuc-vu-{as_of.isoformat()}.{fmt}"
    if fmt == "csv":
        body, content_type = sheets_csv(tables), "text/csv; charset=utf-8"
    else:
        title = ("Chỉ số phục vụ người dân, doanh nghiệp (phần tính từ danh mục), "
                 f"đến hết ngày {as_of:%d/%m/%Y}")
        body, content_type = sheets_xlsx(tables, title), XLSX_MIMETYPE
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

