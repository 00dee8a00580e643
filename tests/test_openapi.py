"""The OpenAPI document tells the truth: every API route is in it, and real answers of
every route (successes, 304s and errors) validate against it with openapi-core."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from tests.support import text_of


@pytest.fixture
def catalogue(make_service):
    make_service(status="published")
    make_service(status="published", code="1.000894", name="Đăng ký kết hôn", level=2, online_url=None)
    make_service(status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân", level=4,
                 agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
                 audience="business", online_url="https://dangkykinhdoanh.gov.vn/nop")


@pytest.fixture
def spec(client) -> OpenAPI:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    return OpenAPI.from_dict(document)  # validates the document itself first


def _check(spec: OpenAPI, client: Any, url: str, status: int, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, text_of(response)[:300])
    request = WerkzeugOpenAPIRequest(response.request)
    if status != 400:  # a 400 answers a request outside the document, by design
        spec.validate_request(request)
    spec.validate_response(request, WerkzeugOpenAPIResponse(response))
    return response


ANSWERS = [
    ("/api/v1/services", 200),
    ("/api/v1/services?level=3&agency=so-tu-phap&per_page=1&page=1", 200),
    ("/api/v1/services?q=ket+hon&sort=name", 200),
    ("/api/v1/services?per_page=2&page=2", 200),
    ("/api/v1/services?per_page=2&page=3", 404),
    ("/api/v1/services?agency=khong-co", 400),
    ("/api/v1/services/2.001610", 200),
    ("/api/v1/services/khong-co", 404),
    ("/api/v1/suggest?q=dang", 200),
    ("/api/v1/suggest", 200),
    ("/api/v1/statistics", 200),
    ("/api/v1/statistics?as_of=2999-01-01", 400),
    ("/api/v1/statistics/series", 200),
    ("/api/v1/statistics/series?format=csv", 200),
    ("/api/v1/statistics/series?by=year", 400),
    ("/api/v1/openapi.json", 200),
    ("/api/v1/places?q=hoa+thuan", 200),
    ("/api/v1/service-points", 200),
    ("/api/v1/service-points/khong-co", 404),
    ("/api/v1/life-events", 200),
    ("/api/v1/statistics/index", 200),
]


@pytest.mark.parametrize(("url", "status"), ANSWERS)
def test_real_answers_match_the_document(spec, client, catalogue, url, status):
    _check(spec, client, url, status)


def test_not_modified_answers_match_the_document(spec, client, catalogue):
    for url in ("/api/v1/services", "/api/v1/services/1.001193", "/api/v1/statistics"):
        etag = client.get(url).headers["ETag"]
        _check(spec, client, url, 304, headers={"If-None-Match": etag})


def test_every_api_route_is_described(app, spec, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = set(document["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert routes == described
    for path, item in document["paths"].items():
        for operation in item.values():
            assert "200" in operation["responses"] and "304" in operation["responses"], path


def test_the_full_record_stays_open_to_new_keys(spec):
    """A key another edition adds (or one not yet thought of) still validates: clients built
    on this document keep working as the record grows."""
    record = {
        "code": "1.001193", "name": "Đăng ký khai sinh", "level": 3,
        "agency": {"code": "so-tu-phap", "name": "Sở Tư pháp"},
        "field": {"code": "ho-tich", "name": "Hộ tịch"},
        "tier": "commune", "audience": "citizen", "summary": "", "steps": [], "method": "",
        "documents": [{"name": "Tờ khai", "copies": 1, "copy_type": "original", "group": "submit",
                       "condition": None}],
        "processing_days": 1, "fees": "", "result": "", "legal_basis": [], "requirements": "",
        "forms": [{"title": "Tờ khai", "url": "https://example.gov.vn/a.doc", "kind": "file"}],
        "online_url": None, "status": "published", "published_at": "2011-07-07T08:00:00+07:00",
        "updated_at": "2011-07-07T08:00:00+07:00",
        "online_kind": "partial", "partial_reason": "presence",
        "decision": {"number": "1/QĐ", "date": "2024-01-02"},
        "effective_from": "2024-01-02", "abolished_on": None, "life_events": ["co-con-nho"],
        "channels": [{"kind": "online", "processing_days": 0.5, "processing_time": "4 giờ", "fee": "",
                      "fee_vnd": 0, "description": None}],
        "document_notes": ["Không"], "reviewed_at": "2026-01-01T08:00:00+07:00", "a_key_of_tomorrow": [1],
    }
    request = Request(EnvironBuilder(path="/api/v1/services/1.001193", base_url="http://localhost").get_environ())
    good = Response(json.dumps(record), mimetype="application/json")
    spec.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(good))
    bad = Response(json.dumps({**record, "online_kind": "sometimes"}), mimetype="application/json")
    with pytest.raises(Exception, match="(?i)invalid|validat"):
        spec.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(bad))


def test_people_get_a_vietnamese_page_linked_from_the_footer(client, catalogue):
    home = text_of(client.get("/"))
    assert 'href="/api">Dữ liệu mở (API)</a>' in home
    page = client.get("/api")
    assert page.status_code == 200
    html = text_of(page)
    for words in ("curl", "CC BY 4.0", "Nguồn: Cổng dịch vụ công trực tuyến tỉnh Đắk Lắk",
                  "rel=\"license\"", "per_page", "next", "If-None-Match", "/api/v1/openapi.json"):
        assert words in html, words
