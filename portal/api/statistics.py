"""API: GET /api/v1/statistics, the counts of the statistics page as JSON.

``by_level`` and every other breakdown count published services (any level);
``scheme`` names the scheme in force on ``as_of`` (catalogue.schemes) and
``online_total`` is its own count: level 2 and above under Decree 43/2011, toàn trình +
một phần after, when ``by_online_kind`` is given too. ``by_agency`` lists every agency with the
published services it owns itself (``count``), of them those online (``online``) and its
``parent`` code, so a client can rebuild the tree (districts under ``cap-huyen``).
``published_total`` and ``by_audience`` are additions to the contract's keys, as are
``online`` and ``parent`` in the items.
"""

from __future__ import annotations

from flask import jsonify, request

from catalogue.clock import today_vn
from catalogue.statistics import compute_breakdown

from ..errors import api_error
from ..extensions import db
from ..page_cache import cached
from ..params.statistics import QueryError, agency_groups, check_day_in_range, first_day, parse_day
from . import bp


@bp.get("/statistics")
@cached
def statistics():
    try:
        asked = parse_day(request.args.get("as_of"), "as_of", "Ngày thống kê")
        if asked is not None:  # today, the default, always has figures
            check_day_in_range(asked, first_day())
        as_of = asked or today_vn()
    except QueryError as exc:
        return api_error(400, str(exc), "invalid_as_of")
    b = compute_breakdown(db.session, as_of, agency_groups=agency_groups())
    answer = {
        "as_of": as_of.isoformat(),
        "scheme": b.scheme.code,
        "online_total": b.online_total,
        "published_total": b.published_total,
        "by_level": {str(level): n for level, n in b.by_level.items()},
        "by_agency": [{"code": r.key, "name": r.label, "count": r.count, "online": r.online,
                       "parent": r.parent} for r in b.by_agency],
        "by_field": [{"code": r.key, "name": r.label, "count": r.count, "online": r.online}
                     for r in b.by_field],
        "by_tier": {r.key: r.count for r in b.by_tier},
        "by_audience": {r.key: r.count for r in b.by_audience},
    }
    if b.scheme.by_kind:
        answer["by_online_kind"] = dict(b.by_online_kind)
    return jsonify(answer)
