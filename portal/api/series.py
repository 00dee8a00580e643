"""API: GET /api/v1/statistics/series, published services month by month, for
statisticians: JSON, or CSV with ``format=csv`` or ``Accept: text/csv``.

The months come from catalogue.growth.compute_growth (the same running sum as the growth
chart of /statistics): this view only picks the range and words the answer. Each month
counts at its last day; the current month counts today. When the growth points carry
the scheme in force (the "through time" work), its ``scheme`` and ``by_online_kind``
appear on each point as they do in /api/v1/statistics.

Not kept by the page cache: it keys on the URL alone, and this URL has two answers
(JSON and CSV, by Accept). The ETag (api/http.py) does tell the two apart.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from flask import Response, jsonify, request

from catalogue.clock import month_end, month_key, today_vn
from catalogue.growth import MonthPoint, compute_growth
from catalogue.vocabulary import LEVELS

from ..errors import api_error
from ..extensions import db
from ..params.statistics import QueryError, first_day
from . import bp

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
CSV_COLUMNS = ("month", "day", "published_total", "online_total", *(f"level_{lv}" for lv in LEVELS))


def parse_month(value: str | None, name: str, label: str) -> str | None:
    """``YYYY-MM`` (or a day ``YYYY-MM-DD``, read as its month); empty means the default."""
    if value is None or not value.strip():
        return None
    found = _MONTH.match(value.strip())
    try:
        if not found:
            raise ValueError(value)
        date(int(found[1]), int(found[2]), int(found[3] or 1))
    except ValueError:
        raise QueryError(f"{label} ({name}) không hợp lệ: “{value.strip()[:40]}”. Hãy nhập tháng dạng "
                         f"YYYY-MM, ví dụ 2024-01.") from None
    return f"{found[1]}-{found[2]}"


def _range(first: date | None) -> tuple[str, str]:
    by = request.args.get("by", "month").strip() or "month"
    if by != "month":
        raise QueryError(f"Chỉ có chuỗi theo tháng (by=month), không có “{by[:20]}”.")
    now, start = month_key(today_vn()), month_key(first) if first else month_key(today_vn())
    begin = parse_month(request.args.get("from"), "from", "Tháng đầu") or start
    end = parse_month(request.args.get("to"), "to", "Tháng cuối") or now
    if end > now:
        raise QueryError(f"Tháng cuối (to) {end} ở tương lai: chỉ có số liệu đến tháng {now}.")
    if begin < start:
        raise QueryError(f"Tháng đầu (from) {begin} trước tháng dịch vụ đầu tiên được công bố ({start}).")
    if begin > end:
        raise QueryError("Tháng đầu (from) phải trước hoặc bằng tháng cuối (to).")
    return begin, end


def _wants_csv() -> bool:
    fmt = request.args.get("format", "").strip()
    if fmt:
        if fmt not in ("json", "csv"):
            raise QueryError(f"Định dạng (format) chỉ nhận json hoặc csv, không nhận “{fmt[:20]}”.")
        return fmt == "csv"
    return request.accept_mimetypes.best_match(("application/json", "text/csv")) == "text/csv"


def _point(p: MonthPoint) -> dict[str, Any]:
    item: dict[str, Any] = {
        "month": p.month, "day": p.day.isoformat(), "published_total": sum(p.by_level.values()),
        "online_total": p.online, "by_level": {str(level): n for level, n in p.by_level.items()},
    }
    # The scheme in force that month, as the statistics API names it; its kinds where it
    # counts by them (Decree 42/2022 and 224/2026).
    item["scheme"] = p.scheme.code
    if p.scheme.by_kind:
        item["by_online_kind"] = dict(p.by_kind)
    return item


@bp.get("/statistics/series")
def statistics_series():
    try:
        first = first_day()
        begin, end = _range(first)
        as_csv = _wants_csv()
    except QueryError as exc:
        return api_error(400, str(exc), "invalid_parameter")
    last_day = min(month_end(end), today_vn())
    points = [_point(p) for p in compute_growth(db.session, last_day) if p.month >= begin] if first else []
    if not as_csv:
        return jsonify({"by": "month", "from": begin, "to": end, "points": points})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for p in points:
        writer.writerow([p["month"], p["day"], p["published_total"], p["online_total"],
                         *(p["by_level"][str(level)] for level in LEVELS)])
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="chuoi-thang-{begin}-{end}.csv"'
    return response
