"""GET /api/v1/openapi.json: the API described in OpenAPI 3.1, for code generators,
explorers and the people reading /api.

Written out here rather than generated from the views: the views are thin and the
contract (shared CONTRACT.md) is the source; tests/test_openapi.py keeps the two honest
by validating real answers of every route against this document (openapi-core).

Records are open (``additionalProperties`` allowed): the catalogue grows new keys
(the contract's second edition) and a client built on this document must keep working.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from catalogue.vocabulary import AUDIENCE_LABELS, STATUS_LABELS, TIER_LABELS

from ..params.listing import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from . import bp

LICENCE = {"name": "CC BY 4.0 (SPDX: CC-BY-4.0)",
           "url": "https://creativecommons.org/licenses/by/4.0/deed.vi"}
ATTRIBUTION = ("Nguồn: Cổng dịch vụ công trực tuyến tỉnh Đắk Lắk (Ủy ban nhân dân tỉnh Đắk Lắk), "
               "giấy phép CC BY 4.0.")

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description,
                              "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


CACHE_HEADERS = {
    "ETag": {"description": "Validator: send it back in If-None-Match to get a 304 while nothing changed.",
             "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=30", "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"description": "*: readable by a web page of any site.",
                                    "schema": {"type": "string", "const": "*"}},
}
NOT_MODIFIED = {"description": "Not Modified: the answer is the one whose ETag was sent.",
                "headers": {"ETag": CACHE_HEADERS["ETag"]}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "The ETag of an earlier answer; 304 while it is current.",
                 "schema": {"type": "string"}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


SERIES_CSV_EXAMPLE = ("month,day,published_total,online_total,level_1,level_2,level_3,level_4\r\n"
                      "2024-01,2024-01-31,1520,1210,310,640,410,160\r\n")
MONTH_PATTERN = "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"
CODE_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}
LISTING_PARAMETERS = [
    _query("q", "Từ khóa (có dấu hoặc không dấu), tối đa 200 ký tự.", {"type": "string", "maxLength": 200}),
    _query("level", "Mức độ 1–4.", {"type": "integer", "minimum": 1, "maximum": 4}),
    _query("agency", "Mã cơ quan.", CODE_SCHEMA),
    _query("field", "Mã lĩnh vực.", CODE_SCHEMA),
    _query("tier", "Cấp thực hiện.", {"type": "string", "enum": list(TIER_LABELS)}),
    _query("audience", "Đối tượng.", {"type": "string", "enum": list(AUDIENCE_LABELS)}),
    _query("sort", "Sắp xếp (mặc định: relevance khi có q, name khi không).",
           {"type": "string", "enum": ["relevance", "name", "newest"]}),
    _query("page", "Trang, từ 1. Một trang sau trang cuối là lỗi 404.",
           {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    _query("per_page", "Số mục mỗi trang.",
           {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}),
    IF_NONE_MATCH,
]
AS_OF = _query("as_of", "Ngày thống kê YYYY-MM-DD (giờ Việt Nam), từ ngày dịch vụ đầu tiên được công bố "
               "đến hôm nay; mặc định hôm nay.", {"type": "string", "format": "date"})

NAMED_REF = {"type": "object", "required": ["code", "name"],
             "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

SCHEMAS: dict[str, Any] = {
    "ServicePoint": {
        "type": "object",
        "required": ["code", "name", "kind", "commune", "address", "phone", "email", "opening_hours",
                     "latitude", "longitude"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
            "commune": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["slug", "name", "kind"],
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                               "kind": {"type": "string"}}}]},
            "address": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"},
            "opening_hours": {"type": "array", "items": {
                "type": "object", "required": ["days", "opens", "closes"],
                "properties": {"days": {"type": "array", "items": {"type": "string"}},
                               "opens": {"type": "string"}, "closes": {"type": "string"}}}},
            "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]},
        },
    },
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "description": "Máy đọc: invalid_parameter, not_found, ..."},
            "message": {"type": "string", "description": "Người đọc: tiếng Việt."}}}},
    },
    "NamedRef": NAMED_REF,
    "ServiceItem": {
        "type": "object", "required": ["code", "name", "level", "agency", "field", "url"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "integer", "minimum": 1, "maximum": 4},
            "agency": _ref("NamedRef"), "field": _ref("NamedRef"),
            "url": {"type": "string", "format": "uri"},
        },
    },
    "ServiceList": {
        "type": "object", "required": ["total", "page", "per_page", "items", "facets", "links"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "items": {"type": "array", "items": _ref("ServiceItem")},
            "facets": {"type": "object", "additionalProperties": COUNTS,
                       "description": "Số dịch vụ theo từng giá trị của mỗi bộ lọc "
                                      "(level, agency, field, ...)."},
            "links": {"type": "object", "required": ["self", "next", "prev"], "properties": {
                "self": {"type": "string", "format": "uri"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "prev": {"type": ["string", "null"], "format": "uri"}}},
        },
    },
    "Document": {
        "type": "object", "required": ["name"],
        "properties": {
            "name": {"type": "string"}, "copies": {"type": "integer", "minimum": 1},
            "copy_type": {"type": ["string", "null"], "enum": ["original", "copy", "either", None]},
            "group": {"type": "string", "enum": ["submit", "show"]},
            "condition": NULLABLE_STRING,
        },
    },
    "Form": {
        "type": "object", "required": ["title", "url"],
        "properties": {"title": {"type": "string"}, "url": {"type": "string"},
                       "kind": {"type": "string", "enum": ["file", "page"]}},
    },
    "Channel": {
        "type": "object", "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": ["online", "post", "in_person"]},
            "processing_days": {"type": ["number", "null"], "minimum": 0},
            "processing_time": NULLABLE_STRING,
            "fee": NULLABLE_STRING,
            "fee_vnd": {"type": ["integer", "null"], "minimum": 0},
            "description": NULLABLE_STRING,
        },
    },
    "Service": {
        "type": "object",
        "description": "Toàn bộ hồ sơ thủ tục. Khóa mới của bản thứ hai của hợp đồng (documents có "
                       "copy_type/group/condition, document_notes, channels, forms.kind, online_kind, "
                       "partial_reason, decision, effective_from, abolished_on, life_events, reviewed_at) "
                       "được mô tả dưới đây; khóa thêm sau này vẫn hợp lệ (additionalProperties).",
        "additionalProperties": True,
        "required": ["code", "name", "level", "agency", "field", "tier", "audience", "summary", "steps",
                     "method", "documents", "processing_days", "fees", "result", "legal_basis",
                     "requirements", "forms", "online_url", "status", "published_at", "updated_at"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "integer", "minimum": 1, "maximum": 4,
                      "description": "Mức độ theo Nghị định 43/2011/NĐ-CP."},
            "agency": _ref("NamedRef"), "field": _ref("NamedRef"),
            "tier": {"type": "string", "enum": list(TIER_LABELS)},
            "audience": {"type": "string", "enum": list(AUDIENCE_LABELS)},
            "summary": {"type": "string"},
            "steps": {"type": "array", "items": {"type": "string"}},
            "method": {"type": "string"},
            "documents": {"type": "array", "items": _ref("Document")},
            "processing_days": {"type": ["integer", "null"], "minimum": 0},
            "fees": {"type": "string"}, "result": {"type": "string"},
            "legal_basis": {"type": "array", "items": {"type": "string"}},
            "requirements": {"type": "string"},
            "forms": {"type": "array", "items": _ref("Form")},
            "online_url": {"type": ["string", "null"], "format": "uri"},
            "status": {"type": "string", "enum": list(STATUS_LABELS)},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            # Second edition of the contract.
            "document_notes": {"type": "array", "items": {"type": "string"}},
            "channels": {"type": "array", "items": _ref("Channel")},
            "online_kind": {"type": ["string", "null"], "enum": ["full", "partial", "none", None],
                            "description": "Nghị định 42/2022 và 224/2026: toàn trình, một phần, không."},
            "partial_reason": {"type": ["string", "null"],
                               "enum": ["presence", "verification", "technical", None]},
            "decision": {"type": ["object", "null"], "properties": {
                "number": {"type": "string"}, "date": NULLABLE_DATE}},
            "effective_from": NULLABLE_DATE,
            "abolished_on": NULLABLE_DATE,
            "life_events": {"type": "array", "items": {"type": "string"}},
            "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Series": {
        "type": "object", "required": ["by", "from", "to", "points"],
        "properties": {
            "by": {"const": "month"}, "from": {"type": "string"}, "to": {"type": "string"},
            "points": {"type": "array", "items": {
                "type": "object", "additionalProperties": True,
                "required": ["month", "day", "published_total", "online_total", "by_level"],
                "properties": {
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "day": {"type": "string", "format": "date"},
                    "published_total": {"type": "integer", "minimum": 0},
                    "online_total": {"type": "integer", "minimum": 0},
                    "by_level": COUNTS,
                    "scheme": {"type": "string"},
                    "by_online_kind": COUNTS,
                }}},
        },
    },
    "Suggestions": {
        "type": "object", "required": ["suggestions"],
        "properties": {"suggestions": {"type": "array", "maxItems": 10, "items": NAMED_REF}},
    },
    "Statistics": {
        "type": "object", "additionalProperties": True,
        "required": ["as_of", "online_total", "by_level", "by_agency", "by_field", "by_tier"],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "online_total": {"type": "integer", "minimum": 0},
            "published_total": {"type": "integer", "minimum": 0},
            "by_level": COUNTS,
            "by_agency": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "count"], "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "count": {"type": "integer"}, "online": {"type": "integer"},
                    "parent": NULLABLE_STRING}}},
            "by_field": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "count"], "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "count": {"type": "integer"}, "online": {"type": "integer"}}}},
            "by_tier": COUNTS,
            "by_audience": COUNTS,
            "scheme": {"type": "string", "enum": ["decree-43-2011", "decree-42-2022", "decree-224-2026"]},
            "by_online_kind": COUNTS,
        },
    },
}


def openapi_document(server: str) -> dict[str, Any]:
    """The whole document; ``server`` is this portal's root URL as the client reached it."""
    bad_request = _error("Tham số không hợp lệ (thông báo tiếng Việt nêu tham số).")
    unavailable = _error("Tạm thời không phục vụ được (cơ sở dữ liệu hoặc chỉ mục đang bảo trì).")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API dữ liệu mở: dịch vụ công trực tuyến tỉnh Đắk Lắk",
            "version": "1",
            "description": "Danh mục thủ tục hành chính và dịch vụ công trực tuyến của tỉnh Đắk Lắk, "
                           "chỉ đọc, không cần đăng nhập. Hướng dẫn: /api. " + ATTRIBUTION,
            "license": LICENCE,
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/services": {"get": {
                "operationId": "listServices", "summary": "Danh sách dịch vụ, lọc và chia trang",
                "parameters": LISTING_PARAMETERS,
                "responses": {
                    "200": _json(_ref("ServiceList"), "Một trang kết quả.", {
                        **CACHE_HEADERS, "Link": {"description": "RFC 8288: self, next, prev, first, last.",
                                                  "schema": {"type": "string"}}}),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                    "404": _error("Trang sau trang cuối (page_not_found)."),
                    "503": unavailable,
                },
            }},
            "/api/v1/services/{code}": {"get": {
                "operationId": "getService", "summary": "Toàn bộ hồ sơ một dịch vụ đã công bố",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                               IF_NONE_MATCH],
                "responses": {
                    "200": _json(_ref("Service"), "Hồ sơ dịch vụ.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "404": _error("Không có dịch vụ đã công bố mang mã này."),
                    "503": unavailable,
                },
            }},
            "/api/v1/suggest": {"get": {
                "operationId": "suggest", "summary": "Gợi ý tên dịch vụ khi đang gõ (tối đa 10)",
                "parameters": [_query("q", "Phần đầu tên, có dấu hoặc không.", {"type": "string"}),
                               IF_NONE_MATCH],
                "responses": {
                    "200": _json(_ref("Suggestions"), "Các gợi ý.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "503": unavailable,
                },
            }},
            "/api/v1/statistics": {"get": {
                "operationId": "getStatistics", "summary": "Số dịch vụ đã công bố theo mức độ, cơ quan, "
                                                           "lĩnh vực, cấp tại một ngày",
                "parameters": [AS_OF, IF_NONE_MATCH],
                "responses": {
                    "200": _json(_ref("Statistics"), "Số liệu tại cuối ngày as_of.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "400": _error("Ngày sai dạng, ở tương lai hoặc trước dịch vụ đầu tiên (invalid_as_of)."),
                    "503": unavailable,
                },
            }},
            "/api/v1/statistics/series": {"get": {
                "operationId": "getStatisticsSeries",
                "summary": "Số dịch vụ đã công bố theo tháng "
                           "(JSON, hoặc CSV với format=csv hay Accept: text/csv)",
                "parameters": [
                    _query("from", "Tháng đầu YYYY-MM (mặc định: tháng dịch vụ đầu tiên được công bố).",
                           {"type": "string", "pattern": MONTH_PATTERN}),
                    _query("to", "Tháng cuối YYYY-MM (mặc định: tháng này).",
                           {"type": "string", "pattern": MONTH_PATTERN}),
                    _query("by", "Chỉ có month.", {"type": "string", "enum": ["month"], "default": "month"}),
                    _query("format", "json (mặc định) hoặc csv.",
                           {"type": "string", "enum": ["json", "csv"]}),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": {"description": "Mỗi tháng đếm tại ngày cuối tháng; tháng này đếm tại hôm nay.",
                            "headers": CACHE_HEADERS,
                            "content": {"application/json": {"schema": _ref("Series")},
                                        "text/csv": {"example": SERIES_CSV_EXAMPLE}}},
                    "304": NOT_MODIFIED,
                    "400": _error("Tháng sai dạng, ở tương lai, trước dịch vụ đầu tiên, by hoặc format lạ."),
                    "503": unavailable,
                },
            }},
            "/api/v1/statistics/index": {"get": {
                "operationId": "getIndexReadiness",
                "summary": "Chỉ số 1.1, 1.2, 1.3 và 3.1 (Quyết định 766/QĐ-TTg) tính được từ danh mục, "
                           "cho tỉnh và từng cơ quan, tại một ngày",
                "parameters": [AS_OF, IF_NONE_MATCH],
                "responses": {
                    "200": _json({"type": "object", "required": ["as_of"]}, "Các chỉ số tại cuối ngày as_of.",
                                 CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "400": _error("Ngày sai dạng, ở tương lai hoặc trước dịch vụ đầu tiên (invalid_as_of)."),
                    "503": unavailable,
                },
            }},
            "/api/v1/places": {"get": {
                "operationId": "findPlaces",
                "summary": "Xã, phường hiện nay khớp với tên gõ vào, kể cả tên cũ trước 01/07/2025",
                "parameters": [_query("q", "Tên xã, phường, huyện (cũ hoặc mới), có dấu hoặc không.",
                                      {"type": "string"}), IF_NONE_MATCH],
                "responses": {
                    "200": _json({"type": "object", "required": ["places"], "properties": {
                        "places": {"type": "array", "items": {
                            "type": "object", "required": ["slug", "name", "kind"],
                            "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                           "kind": {"type": "string"}}}}}},
                        "Các xã, phường.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                    "503": unavailable,
                },
            }},
            "/api/v1/service-points": {"get": {
                "operationId": "listServicePoints", "summary": "Nơi tiếp nhận hồ sơ trực tiếp",
                "parameters": [IF_NONE_MATCH],
                "responses": {
                    "200": _json({"type": "object", "required": ["service_points"], "properties": {
                        "service_points": {"type": "array", "items": _ref("ServicePoint")}}},
                        "Các điểm tiếp nhận.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "503": unavailable,
                },
            }},
            "/api/v1/service-points/{code}": {"get": {
                "operationId": "getServicePoint", "summary": "Một điểm tiếp nhận hồ sơ",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                               IF_NONE_MATCH],
                "responses": {
                    "200": _json(_ref("ServicePoint"), "Điểm tiếp nhận.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "404": _error("Không có điểm tiếp nhận mang mã này."),
                    "503": unavailable,
                },
            }},
            "/api/v1/life-events": {"get": {
                "operationId": "listLifeEvents",
                "summary": "Sự kiện cuộc sống (có con nhỏ, kết hôn…) và các dịch vụ của mỗi sự kiện",
                "parameters": [IF_NONE_MATCH],
                "responses": {
                    "200": _json({"type": "object", "required": ["life_events"], "properties": {
                        "life_events": {"type": "array", "items": {
                            "type": "object", "required": ["code", "name", "services"],
                            "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                           "services": {"type": "array", "items": {"type": "string"}}}}}}},
                        "Các sự kiện cuộc sống.", CACHE_HEADERS),
                    "304": NOT_MODIFIED,
                    "503": unavailable,
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "getOpenAPI", "summary": "Tài liệu này",
                "parameters": [IF_NONE_MATCH],
                "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]},
                                           "Tài liệu OpenAPI 3.1.", CACHE_HEADERS),
                              "304": NOT_MODIFIED},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.url_root.rstrip("/")))
