"""API: GET /api/v1/service-points[/<code>] — where applications are received, and when."""

from __future__ import annotations

import re

from flask import jsonify

from catalogue.service_points import all_points, find_point, point_record

from ..errors import api_error
from ..extensions import db
from . import bp

_CODE = re.compile(r"[a-z0-9-]{1,64}")


@bp.get("/service-points")
def list_service_points():
    return jsonify({"service_points": [point_record(p) for p in all_points(db.session)]})


@bp.get("/service-points/<code>")
def get_service_point(code: str):
    point = find_point(db.session, code) if _CODE.fullmatch(code) else None
    if point is None:
        return api_error(404, f"Không có điểm tiếp nhận hồ sơ nào mang mã “{code[:64]}”.")
    return jsonify(point_record(point))
