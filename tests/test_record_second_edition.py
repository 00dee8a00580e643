"""The record's second edition: documents with copy type, group and condition, dossier
notes, channels, forms with a kind. Rules, first-edition files, round trips, the API."""

import csv
import io

import pytest
from sqlalchemy import select

from catalogue.file_formats import read_catalogue
from catalogue.models import Service
from catalogue.operations import Actor
from catalogue.transfer import catalogue_dict, export_catalogue, import_catalogue
from catalogue.validation import ValidationError, validate_service
from portal.extensions import db
from tests.support import empty_database, service_data, write_json

IMPORTER = Actor("import test")
REFS = {
    "agencies": [
        {"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None},
        {"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": "ubnd-tinh"},
    ],
    "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
}

RICH = {
    "steps": [
        "Người có yêu cầu nộp hồ sơ.",
        "Công chức kiểm tra hồ sơ:\n- a) hồ sơ đủ thì tiếp nhận;\n- b) chưa đủ thì hướng dẫn bổ sung.",
    ],
    "documents": [
        {"name": "Tờ khai đăng ký khai sinh", "copies": 1, "copy_type": "original",
         "group": "submit", "condition": None},
        {"name": "Biên bản xác nhận việc trẻ bị bỏ rơi | bản gốc \\ có dấu", "copies": 1,
         "copy_type": "either", "group": "submit",
         "condition": "Trường hợp trẻ em bị bỏ rơi | chưa rõ cha mẹ"},
        {"name": "Giấy tờ tùy thân của người đi đăng ký", "copies": 1, "copy_type": None,
         "group": "show", "condition": None},
    ],
    "document_notes": ["Cơ quan đăng ký hộ tịch từ chối giải quyết nếu hồ sơ giả mạo."],
    "channels": [
        {"kind": "in_person", "processing_days": 1, "processing_time": "1 Ngày làm việc",
         "fee": "Miễn lệ phí", "fee_vnd": 0, "description": "Nộp tại UBND cấp xã"},
        {"kind": "online", "processing_days": 0.5, "processing_time": "4 Giờ làm việc",
         "fee": "8.000 Đồng | ngoài giờ", "fee_vnd": 8000, "description": ""},
        {"kind": "post", "processing_days": None, "processing_time": "", "fee": "",
         "fee_vnd": None, "description": "Gửi qua bưu điện"},
    ],
    "forms": [
        {"title": "Tờ khai", "kind": "page", "url": "https://dichvucong.gov.vn/p/home/"
         "dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193"},
        {"title": "Tờ khai (Word)", "url": "https://example.gov.vn/to-khai.doc", "kind": "file"},
    ],
}


def check(**overrides):
    return validate_service(service_data(**overrides), agency_codes={"so-tu-phap"},
                            field_codes={"ho-tich"})


def errors(**overrides):
    with pytest.raises(ValidationError) as exc:
        check(**overrides)
    return {e.field for e in exc.value.errors}


def load(path):
    report = import_catalogue(db.session, read_catalogue(path), IMPORTER)
    db.session.commit()
    return report


def test_rich_record_passes_unchanged():
    clean = check(**RICH)
    for key in ("documents", "document_notes", "channels", "forms", "steps"):
        assert clean[key] == RICH[key], key


def test_first_edition_items_get_their_defaults():
    clean = check(documents=[{"name": "Giấy chứng sinh", "copies": 2}],
                  forms=[{"title": "Tờ khai", "url": "/files/abc123.pdf"},
                         {"title": "Trang mẫu", "url": "https://dichvucong.gov.vn/p/home?ma=1"},
                         {"title": "Mẫu PDF", "url": "https://example.gov.vn/mau/to-khai.PDF"}])
    assert clean["documents"] == [{"name": "Giấy chứng sinh", "copies": 2, "copy_type": None,
                                   "group": "submit", "condition": None}]
    assert [f["kind"] for f in clean["forms"]] == ["file", "page", "file"]
    assert clean["channels"] == [] and clean["document_notes"] == []


@pytest.mark.parametrize(("overrides", "field"), [
    ({"documents": [{"name": "Ghi chú", "copies": 0}]}, "documents[0].copies"),
    ({"documents": [{"name": "Tờ khai", "copies": 1, "copy_type": "photocopy"}]}, "documents[0].copy_type"),
    ({"documents": [{"name": "Tờ khai", "copies": 1, "group": "bring"}]}, "documents[0].group"),
    ({"documents": [{"name": "Tờ khai", "copies": 1, "condition": "a\nb" * 600}]}, "documents[0].condition"),
    ({"channels": [{"kind": "fax"}]}, "channels[0].kind"),
    ({"channels": [{"kind": "online", "processing_days": -1}]}, "channels[0].processing_days"),
    ({"channels": [{"kind": "online", "processing_days": "mười"}]}, "channels[0].processing_days"),
    ({"channels": [{"kind": "post", "fee_vnd": -5}]}, "channels[0].fee_vnd"),
    ({"channels": [{"kind": "post", "fee_vnd": "50.000 đồng"}]}, "channels[0].fee_vnd"),
    ({"channels": ["online"]}, "channels[0]"),
    ({"forms": [{"title": "Tờ khai", "url": "https://example.gov.vn/a.doc", "kind": "pdf"}]},
     "forms[0].kind"),
    ({"document_notes": "không phải danh sách"}, "document_notes"),
])
def test_second_edition_rules(overrides, field):
    assert field in errors(**overrides)


def test_error_messages_are_vietnamese():
    with pytest.raises(ValidationError) as exc:
        check(documents=[{"name": "Ghi chú", "copies": 0}])
    assert "số bản phải là số nguyên từ 1 đến 99" in exc.value.errors[0].message


def test_channel_numbers_from_text_are_read():
    clean = check(channels=[{"kind": "online", "processing_days": "0,5", "fee_vnd": "8000"}])
    assert clean["channels"][0]["processing_days"] == 0.5
    assert clean["channels"][0]["fee_vnd"] == 8000


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_round_trip_of_the_second_edition(app, tmp_path, suffix):
    load(write_json(tmp_path, {**REFS, "services": [
        service_data(status="published", published_at="2011-06-01T08:00:00+07:00", **RICH),
        service_data(code="2.0", name="Bản đầu", level=1, forms=[], online_url=None),
    ]}))
    before = catalogue_dict(db.session)
    path = tmp_path / f"out{suffix}"
    export_catalogue(db.session, path)
    db.session.remove()
    empty_database()
    if suffix == ".csv":
        load(write_json(tmp_path, {**REFS, "services": []}, "refs.json"))
    load(path)
    after = catalogue_dict(db.session)
    assert after == before
    rich = after["services"][0]
    assert rich["documents"][1]["condition"] == "Trường hợp trẻ em bị bỏ rơi | chưa rõ cha mẹ"
    assert rich["channels"][1]["processing_days"] == 0.5


def test_csv_cells_are_written_as_documented(app, tmp_path):
    load(write_json(tmp_path, {**REFS, "services": [service_data(**RICH)]}))
    path = tmp_path / "out.csv"
    export_catalogue(db.session, path)
    row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert row["documents"].splitlines() == [
        "Tờ khai đăng ký khai sinh|1|original|submit|",
        "Biên bản xác nhận việc trẻ bị bỏ rơi \\| bản gốc \\\\ có dấu|1|either|submit|"
        "Trường hợp trẻ em bị bỏ rơi \\| chưa rõ cha mẹ",
        "Giấy tờ tùy thân của người đi đăng ký|1||show|",
    ]
    assert row["channels"].splitlines()[0] == "in_person|1|0|1 Ngày làm việc|Miễn lệ phí|Nộp tại UBND cấp xã"
    assert row["forms"].splitlines()[1] == "Tờ khai (Word)|https://example.gov.vn/to-khai.doc|file"
    assert row["steps"].splitlines()[1:] == [
        "Công chức kiểm tra hồ sơ:", "- a) hồ sơ đủ thì tiếp nhận;", "- b) chưa đủ thì hướng dẫn bổ sung."]


def test_first_edition_csv_still_imports(app, tmp_path):
    load(write_json(tmp_path, {**REFS, "services": []}))
    first = ["code", "name", "level", "agency", "field", "tier", "audience", "steps", "documents", "forms",
             "online_url"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=first)
    writer.writeheader()
    writer.writerow({"code": "1.001193", "name": "Đăng ký khai sinh", "level": "3",
                     "agency": "so-tu-phap", "field": "ho-tich", "tier": "commune",
                     "audience": "citizen", "steps": "Nộp hồ sơ\nNhận kết quả",
                     "documents": "Tờ khai | bản gốc|2\nGiấy chứng sinh|1",
                     "forms": "Tờ khai|https://example.gov.vn/to-khai.doc",
                     "online_url": "https://dichvucong.daklak.gov.vn/x"})
    path = tmp_path / "first.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    load(path)
    record = catalogue_dict(db.session)["services"][0]
    assert record["documents"][0] == {"name": "Tờ khai | bản gốc", "copies": 2, "copy_type": None,
                                      "group": "submit", "condition": None}
    assert record["forms"] == [{"title": "Tờ khai", "url": "https://example.gov.vn/to-khai.doc",
                                "kind": "file"}]
    assert record["channels"] == [] and record["document_notes"] == []


def test_rows_stored_before_the_second_edition_read_with_defaults(app, tmp_path):
    load(write_json(tmp_path, {**REFS, "services": [service_data()]}))
    service = db.session.scalar(select(Service))
    service.documents = [{"name": "Giấy chứng sinh", "copies": 1}]  # as an old row holds it
    service.forms = [{"title": "Tờ khai", "url": "https://dichvucong.gov.vn/p/home?ma=1"}]
    db.session.commit()
    record = catalogue_dict(db.session)["services"][0]
    assert record["documents"][0]["group"] == "submit"
    assert record["forms"][0]["kind"] == "page"


def test_api_full_record_carries_the_new_keys(app, client, tmp_path):
    load(write_json(tmp_path, {**REFS, "services": [
        service_data(status="published", published_at="2011-06-01T08:00:00+07:00", **RICH)]}))
    body = client.get("/api/v1/services/1.001193").get_json()
    for key in ("documents", "document_notes", "channels", "forms"):
        assert body[key] == RICH[key], key
