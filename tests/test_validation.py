"""The one rule set: contract rules, Decree 43/2011 level rules, Vietnamese messages."""

import unicodedata

import pytest

from catalogue.validation import ValidationError, validate_service
from tests.support import service_data

AGENCIES = {"so-tu-phap"}
FIELDS = {"ho-tich"}


def check(**overrides):
    return validate_service(service_data(**overrides), agency_codes=AGENCIES, field_codes=FIELDS)


def errors(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        check(**overrides)
    return exc.value.by_field()


def test_valid_record_comes_back_clean():
    clean = check()
    assert clean["level"] == 3
    assert clean["documents"][0] == {"name": "Tờ khai đăng ký khai sinh", "copies": 1,
                                     "copy_type": None, "group": "submit", "condition": None}
    assert clean["steps"][2] == "Trả Giấy khai sinh cho người có yêu cầu."


def test_text_is_normalised_to_nfc_and_trimmed():
    nfd = unicodedata.normalize("NFD", "  Đăng ký   khai sinh ")
    clean = check(name=nfd, steps=[unicodedata.normalize("NFD", "Nộp hồ sơ")])
    assert clean["name"] == "Đăng ký khai sinh"
    assert unicodedata.is_normalized("NFC", clean["name"])
    assert clean["steps"] == ["Nộp hồ sơ"]


def test_level_two_needs_a_downloadable_form():
    found = errors(level=2, forms=[], online_url=None)
    assert found["forms"] == [
        "Mẫu đơn, tờ khai (forms): dịch vụ mức độ 2 phải có ít nhất một mẫu đơn, tờ khai để tải về."
    ]


def test_level_three_needs_an_online_url():
    found = errors(online_url="")
    assert "Địa chỉ nộp hồ sơ trực tuyến (online_url)" in found["online_url"][0]
    assert "mức độ 3" in found["online_url"][0]


def test_level_one_needs_neither():
    clean = check(level=1, forms=[], online_url=None)
    assert clean["forms"] == [] and clean["online_url"] is None


@pytest.mark.parametrize("level", [0, 5, "ba", True, 2.5, None])
def test_level_must_be_one_to_four(level):
    assert "Mức độ (level)" in errors(level=level)["level"][0]


@pytest.mark.parametrize("code", ["", "có dấu", "a/b", "x" * 33, "a b"])
def test_code_rules(code):
    assert errors(code=code)["code"][0].startswith("Mã thủ tục (code)")


def test_unknown_agency_and_field_are_named():
    found = errors(agency="so-khong-co", field="linh-vuc-la")
    assert found["agency"] == ["Cơ quan thực hiện (agency): không có mã “so-khong-co” trong danh mục."]
    assert "linh-vuc-la" in found["field"][0]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        check(name="", level=9, tier="xa", audience="ai", processing_days=-1,
              documents=[{"name": "", "copies": 0}], forms=[{"title": "Mẫu", "url": "javascript:alert(1)"}])
    fields = [e.field for e in exc.value.errors]
    assert fields == ["name", "level", "tier", "audience", "documents[0].name",
                      "documents[0].copies", "forms[0].url", "processing_days"]


def test_online_url_must_be_http():
    assert "online_url" in errors(online_url="ftp://example.org/x")


def test_long_name_is_refused():
    assert "dài quá 500" in errors(name="a" * 501)["name"][0]


def test_form_numbers_arrive_as_strings():
    clean = check(level="2", processing_days="15", online_url=None,
                  documents=[{"name": "Đơn", "copies": "2"}])
    assert (clean["level"], clean["processing_days"], clean["documents"][0]["copies"]) == (2, 15, 2)


def test_history_keys_only_when_asked():
    data = service_data(status="published", published_at="2011-03-01T08:00:00+07:00")
    clean = validate_service(data, agency_codes=AGENCIES, field_codes=FIELDS, with_history=True)
    assert clean["status"] == "published"
    assert clean["published_at"].isoformat() == "2011-03-01T08:00:00+07:00"
    assert "status" not in validate_service(data, agency_codes=AGENCIES, field_codes=FIELDS)


def test_bad_timestamp_is_reported():
    with pytest.raises(ValidationError) as exc:
        validate_service(service_data(published_at="07/07/2011"), agency_codes=AGENCIES,
                         field_codes=FIELDS, with_history=True)
    assert exc.value.errors[0].field == "published_at"



@pytest.mark.parametrize("url", [
    "/\\evil.example/x.pdf", "//evil.example/x.pdf", "javascript:alert(1)",
    # Browsers drop tabs and newlines inside a URL: each of these would lead to //evil.example.
    "/\t/evil.example", "/\n/evil.example/x.pdf", "/\r\n/evil.example", "/\x0b/evil.example",
    "https://dichvucong.gov.vn/\tx", "http://\x00evil.example/",
])
def test_form_url_cannot_leave_the_site_by_a_trick(url):
    found = errors(forms=[{"title": "Tờ khai", "url": url}])
    assert found["forms"] == [
        "Mẫu đơn, tờ khai (forms[0].url): phải là địa chỉ http(s) hoặc tệp đã tải lên."
    ]


@pytest.mark.parametrize("url", ["https://evil.example/\tlogin", "https://\nevil.example", "http:///no-host"])
def test_online_url_refuses_control_characters_and_missing_hosts(url):
    found = errors(online_url=url)
    assert found["online_url"] == [
        "Địa chỉ nộp hồ sơ trực tuyến (online_url): phải là địa chỉ http:// hoặc https:// hợp lệ."
    ]


def test_portal_file_and_ordinary_links_still_pass():
    clean = check(forms=[{"title": "Tờ khai", "url": "/files/3f2a.pdf"},
                         {"title": "Mẫu", "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193"}])
    assert [f["url"] for f in clean["forms"]] == [
        "/files/3f2a.pdf",
        "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
    ]
