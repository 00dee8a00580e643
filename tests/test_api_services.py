"""The open data API for services: shapes, filters and errors of the contract."""

from __future__ import annotations

import pytest


@pytest.fixture
def catalogue(make_service):
    make_service(status="published")
    make_service(status="published", code="1.000894", name="Đăng ký kết hôn", level=2, online_url=None)
    make_service(status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân", level=4,
                 agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
                 audience="business", online_url="https://dangkykinhdoanh.gov.vn/nop")
    make_service(code="9.000001", name="Thủ tục đang soạn thảo")
    make_service(status="archived", code="9.000002", name="Thủ tục đã bãi bỏ")


def test_list_has_the_contract_shape(client, catalogue):
    response = client.get("/api/v1/services")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert {"total", "page", "per_page", "items", "facets"} <= body.keys()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert {i["code"] for i in body["items"]} == {"1.001193", "1.000894", "2.001610"}
    item = next(i for i in body["items"] if i["code"] == "2.001610")
    assert item == {
        "code": "2.001610", "name": "Đăng ký thành lập doanh nghiệp tư nhân", "level": 4,
        "agency": {"code": "so-ke-hoach-va-dau-tu", "name": "Sở Kế hoạch và Đầu tư"},
        "field": {"code": "thanh-lap-doanh-nghiep", "name": "Thành lập và hoạt động doanh nghiệp"},
        "url": "http://localhost/services/2.001610",
    }
    assert body["facets"]["level"] == {"2": 1, "3": 1, "4": 1}
    assert body["facets"]["agency"] == {"so-tu-phap": 2, "so-ke-hoach-va-dau-tu": 1}
    assert body["facets"]["field"] == {"ho-tich": 2, "thanh-lap-doanh-nghiep": 1}


API_FILTERS = [
    ("level=4", {"2.001610"}),
    ("agency=so-tu-phap", {"1.001193", "1.000894"}),
    ("field=thanh-lap-doanh-nghiep", {"2.001610"}),
    ("tier=province", {"2.001610"}),
    ("audience=citizen", {"1.001193", "1.000894"}),
    ("q=ket hon", {"1.000894"}),
    ("q=KẾT HÔN", {"1.000894"}),
    ("level=3&agency=so-tu-phap", {"1.001193"}),
    ("level=1", set()),
]


def test_list_filters_like_the_page(client, catalogue):
    for args, codes in API_FILTERS:
        body = client.get(f"/api/v1/services?{args}").get_json()
        assert {i["code"] for i in body["items"]} == codes, args
        assert body["total"] == len(codes), args


def test_pages_through_everything_once(client, make_service):
    for i in range(7):
        make_service(status="published", code=f"5.{i}", name=f"Thủ tục {i}")
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/services?per_page=3&page={page}").get_json()
        assert (body["total"], body["page"], body["per_page"]) == (7, page, 3)
        seen += [i["code"] for i in body["items"]]
    assert sorted(seen) == sorted(f"5.{i}" for i in range(7))
    past = client.get("/api/v1/services?per_page=3&page=4")
    assert past.status_code == 404
    assert past.get_json()["error"]["code"] == "page_not_found"


BAD_PARAMETERS = [
    "page=0", "page=-2", "page=abc", "page=1.5", "page=" + "1" * 31, "per_page=0", "per_page=101",
    "per_page=abc", "level=0", "level=5", "level=x", "agency=nope", "field=nope", "tier=x", "audience=x",
    "sort=random", "level=1&level=2", "q=" + "x" * 500,
]


def test_bad_parameters_are_a_json_400(client, catalogue):
    for args in BAD_PARAMETERS:
        response = client.get(f"/api/v1/services?{args}")
        assert response.status_code == 400, args
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and error["message"], args


def test_boundaries_are_accepted(client, catalogue):
    assert client.get("/api/v1/services?per_page=1").get_json()["per_page"] == 1
    assert client.get("/api/v1/services?per_page=100").get_json()["per_page"] == 100
    assert client.get("/api/v1/services?level=&q=").status_code == 200


def test_one_service_is_the_full_record(client, catalogue):
    response = client.get("/api/v1/services/1.001193")
    assert response.status_code == 200
    record = response.get_json()
    assert record["agency"] == {"code": "so-tu-phap", "name": "Sở Tư pháp"}
    assert record["field"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert record["level"] == 3 and record["tier"] == "commune" and record["audience"] == "citizen"
    assert record["documents"][0] == {"name": "Tờ khai đăng ký khai sinh", "copies": 1,
                                      "copy_type": None, "group": "submit", "condition": None}
    assert record["forms"] == [{"title": "Tờ khai đăng ký khai sinh",
                                "url": "https://example.gov.vn/to-khai.doc", "kind": "file"}]
    assert record["online_url"] == "https://dichvucong.daklak.gov.vn/nop-truc-tuyen/1.001193"
    assert record["status"] == "published"
    assert record["published_at"].endswith("+07:00") and record["updated_at"]
    for key in ("code", "name", "summary", "steps", "method", "processing_days", "fees", "result",
                "legal_basis", "requirements"):
        assert key in record


def test_unknown_or_unpublished_codes_are_a_json_404(client, catalogue):
    for code in ["9.000001", "9.000002", "nope", "x" * 100, "%00", "%ff"]:
        response = client.get(f"/api/v1/services/{code}")
        assert response.status_code == 404, code
        assert response.get_json()["error"]["code"] == "not_found", code


def test_unknown_api_url_and_method_answer_json(client, catalogue):
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/services")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
