"""Import and export: all-or-nothing, every bad row reported, exact round trips."""

import csv
import gzip
import io
import json

import pytest
from sqlalchemy import func, select

from catalogue.file_formats import ImportFileError, read_catalogue
from catalogue.models import Agency, ChangeLog, Revision, Service
from catalogue.operations import Actor, record_of
from catalogue.transfer import catalogue_dict, export_catalogue, import_catalogue
from portal.extensions import db
from tests.support import empty_database, service_data, write_json

IMPORTER = Actor("import test")


def payload(*services, agencies=None, fields=None):
    return {
        "agencies": agencies if agencies is not None else [
            {"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None},
            {"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": "ubnd-tinh"},
        ],
        "fields": fields if fields is not None else [{"code": "ho-tich", "name": "Hộ tịch"}],
        "services": list(services),
    }


def load(path):
    report = import_catalogue(db.session, read_catalogue(path), IMPORTER)
    db.session.commit()
    return report


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def problems_of(path):
    with pytest.raises(ImportFileError) as exc:
        load(path)
    db.session.rollback()
    return [str(p) for p in exc.value.problems]


def test_import_creates_agencies_fields_and_services(app, tmp_path):
    path = write_json(tmp_path, payload(
        service_data(status="published", published_at="2011-03-01T08:00:00+07:00"),
        service_data(code="1.000656", name="Đăng ký kết hôn", level=1, forms=[], online_url=None),
    ))
    report = load(path)
    assert (report.created, report.agencies, report.fields) == (2, 2, 1)
    birth = db.session.scalar(select(Service).where(Service.code == "1.001193"))
    assert birth.status == "published" and birth.agency.parent.code == "ubnd-tinh"
    assert birth.published_at.isoformat() == "2011-03-01T01:00:00+00:00"
    marriage = db.session.scalar(select(Service).where(Service.code == "1.000656"))
    assert marriage.status == "draft" and marriage.published_at is None


def test_imported_history_takes_effect_on_the_files_dates(app, tmp_path):
    load(write_json(tmp_path, payload(service_data(
        status="archived", published_at="2010-05-03T08:00:00+07:00",
        updated_at="2011-02-01T09:00:00+07:00"))))
    revs = db.session.scalars(select(Revision).order_by(Revision.number)).all()
    assert [(r.status, r.effective_at.date().isoformat()) for r in revs][1:] == [
        ("published", "2010-05-03"), ("archived", "2011-02-01")]


def test_one_bad_row_rejects_the_file_and_every_bad_row_is_named(app, tmp_path):
    path = write_json(tmp_path, payload(
        service_data(code="ok.1"),
        service_data(code="bad.2", level=7),
        service_data(code="ok.3"),
        service_data(code="bad.4", agency="so-khong-co", online_url=""),
    ))
    problems = problems_of(path)
    assert problems == [
        "services[1] (mã bad.2): Mức độ (level): phải là số nguyên từ 1 đến 4 (Nghị định 43/2011/NĐ-CP).",
        "services[3] (mã bad.4): Cơ quan thực hiện (agency): không có mã “so-khong-co” trong danh mục.",
        "services[3] (mã bad.4): Địa chỉ nộp hồ sơ trực tuyến (online_url): "
        "dịch vụ mức độ 3 phải có địa chỉ nộp hồ sơ trực tuyến.",
    ]
    assert (count(Service), count(Agency), count(Revision)) == (0, 0, 0)


def test_duplicate_codes_in_one_file_are_refused(app, tmp_path):
    problems = problems_of(write_json(tmp_path, payload(service_data(), service_data())))
    assert problems == ["services[1] (mã 1.001193): mã thủ tục trùng với services[0]."]


def test_agency_cycle_and_unknown_parent(app, tmp_path):
    problems = problems_of(write_json(tmp_path, payload(agencies=[
        {"code": "a", "name": "A", "parent": "b"},
        {"code": "b", "name": "B", "parent": "a"},
        {"code": "c", "name": "C", "parent": "khong-co"},
    ])))
    assert "agencies[2]: cơ quan cấp trên “khong-co” không có trong danh mục." in problems
    assert any("vòng lặp" in p for p in problems)


def test_existing_code_is_updated_with_a_revision(app, tmp_path):
    load(write_json(tmp_path, payload(service_data(status="published"))))
    report = load(write_json(tmp_path, payload(service_data(status="published", fees="10.000 đồng"))))
    assert (report.created, report.updated) == (0, 1)
    service = db.session.scalar(select(Service))
    assert service.fees == "10.000 đồng"
    assert service.revisions[-1].action == "import"
    assert service.revisions[-1].changes == {"fees": ["Miễn lệ phí", "10.000 đồng"]}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.json", b'{"services": [', "JSON không hợp lệ"),
        ("utf16.csv", "code,name\n1,Đăng ký".encode("utf-16"), "không phải mã UTF-8"),
        ("shape.json", b'"just a string"', "Tệp JSON phải là"),
        ("missing.csv", b"code,name\nx,y\n", "thiếu cột: level, agency, field, tier, audience"),
        ("extra.csv", b"code,name,level,agency,field,tier,audience,mau\n", "cột không xác định: mau"),
        ("binary.csv", b"\x00\x01\x02code", "chứa ký tự NUL"),
        ("data.xml", b"<x/>", "Chỉ nhận tệp .json, .ndjson hoặc .csv"),
        ("broken.json.gz", b"not gzip at all", "không giải nén được"),
    ],
)
def test_malformed_files_get_a_clear_message(app, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    problems = problems_of(path)
    assert any(expected in p for p in problems), problems


def test_a_file_over_the_old_32_mb_limit_imports(app, tmp_path):
    """Size is no reason to refuse: the file is streamed (here 40 MB, mostly whitespace)."""
    text = json.dumps(payload(service_data()), ensure_ascii=False)
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as out:
        out.write(text[:-1] + " " * (40 * 1024 * 1024) + "}")
    assert load(path).created == 1


def test_csv_rows_are_reported_by_line(app, tmp_path, catalogue_refs):
    good = service_data()
    rows = [
        {**good, "steps": "Bước một\nBước hai", "documents": "Tờ khai|1", "forms": "Tờ khai|https://a.vn/t.doc",
         "legal_basis": "Luật Hộ tịch"},
        {**good, "code": "x.2", "level": "mười", "steps": "", "documents": "", "forms": "",
         "legal_basis": ""},
    ]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(good))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "services.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    problems = problems_of(path)
    # The first record spans lines 2-3 (a two-line steps cell): the second starts on line 4.
    assert problems[0].startswith("dòng 4 (mã x.2): Mức độ (level)")


def _catalogue_with_history(tmp_path):
    load(write_json(tmp_path, payload(
        service_data(status="published", published_at="2010-06-01T08:00:00+07:00",
                     documents=[{"name": "Tờ khai | bản gốc", "copies": 2}]),
        service_data(code="1.000656", name="Đăng ký kết hôn", level=2, online_url=None,
                     status="archived", published_at="2010-01-04T08:00:00+07:00",
                     updated_at="2011-01-04T08:00:00+07:00", steps=["Nộp hồ sơ, “tờ khai”; chờ"]),
        service_data(code="2.0", name="Nháp", level=1, forms=[], online_url=None, processing_days=None),
    )))
    return catalogue_dict(db.session)


def _reset():
    db.session.remove()
    empty_database()


@pytest.mark.parametrize("suffix", [".json", ".csv", ".json.gz", ".ndjson", ".ndjson.gz", ".csv.gz"])
def test_export_then_import_into_empty_database_gives_the_same_catalogue(app, tmp_path, suffix):
    before = _catalogue_with_history(tmp_path)
    history_before = [(r.service.code, r.status, r.effective_at) for r in db.session.scalars(
        select(Revision).order_by(Revision.service_id, Revision.number)) if r.action != "create"]
    path = tmp_path / f"export{suffix}"
    assert export_catalogue(db.session, path) == 3
    refs = {k: before[k] for k in ("agencies", "fields")}
    _reset()
    if suffix.startswith(".csv"):  # a CSV holds services only: agencies and fields come first
        load(write_json(tmp_path, payload(agencies=refs["agencies"], fields=refs["fields"]), "refs.json"))
    load(path)
    after = catalogue_dict(db.session)
    assert after == before
    history_after = [(r.service.code, r.status, r.effective_at) for r in db.session.scalars(
        select(Revision).order_by(Revision.service_id, Revision.number)) if r.action != "create"]
    assert sorted(history_after) == sorted(history_before)


def test_export_writes_contract_keys(app, tmp_path):
    _catalogue_with_history(tmp_path)
    path = tmp_path / "out.json"
    export_catalogue(db.session, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"agencies", "fields", "services"}
    assert list(data["services"][0]) == [
        "code", "name", "level", "agency", "field", "tier", "audience", "summary", "steps", "method",
        "documents", "document_notes", "channels", "processing_days", "fees", "result",
        "legal_basis", "requirements", "forms", "online_url", "online_kind", "partial_reason",
        "decision", "effective_from", "abolished_on", "life_events", "status", "published_at",
        "updated_at", "reviewed_at"]
    assert data["agencies"][0] == {"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk",
                                   "parent": None}
    birth = db.session.scalar(select(Service).where(Service.code == "1.001193"))
    assert record_of(birth) == data["services"][1]


def test_gzip_json_is_read(app, tmp_path):
    path = tmp_path / "c.json.gz"
    path.write_bytes(gzip.compress(json.dumps(payload(service_data())).encode()))
    assert load(path).created == 1


def test_bulk_import_writes_the_history_the_one_by_one_path_would(app, tmp_path):
    """The fast path computes intervals and monthly counts in memory: they equal what the
    history module rebuilds from the revisions alone, and each service has the create,
    publish and archive revisions with their dates."""
    from catalogue.growth import count_monthly_deltas
    from catalogue.history import count_monthly_changes_from_history, rebuild_superseded

    _catalogue_with_history(tmp_path)
    kept = count_monthly_deltas(db.session)
    intervals = [(r.service_id, r.number, r.superseded_at) for r in db.session.scalars(
        select(Revision).order_by(Revision.service_id, Revision.number))]
    assert kept == count_monthly_changes_from_history(db.session)
    rebuild_superseded(db.session)
    db.session.expire_all()
    assert intervals == [(r.service_id, r.number, r.superseded_at) for r in db.session.scalars(
        select(Revision).order_by(Revision.service_id, Revision.number))]
    marriage = db.session.scalar(select(Service).where(Service.code == "1.000656"))
    assert [(r.action, r.status, r.version) for r in marriage.revisions] == [
        ("create", "draft", 1), ("publish", "published", 2), ("archive", "archived", 3)]
    assert marriage.revisions[1].snapshot == {**record_of(marriage), "status": "published",
                                              "updated_at": "2010-01-04T08:00:00+07:00"}
    assert count(ChangeLog) == count(Revision)


# ---------------------------------------------------------------- export-shaped files


def export_shaped(tmp_path, rows, name="catalogue.json"):
    """A file as ``export`` writes it: one line a row (``rows`` are services, or text)."""
    data = payload()
    head = ['{"agencies": [', ",\n".join(json.dumps(a, ensure_ascii=False) for a in data["agencies"]),
            '],\n"fields": [', ",\n".join(json.dumps(f, ensure_ascii=False) for f in data["fields"]),
            '],\n"services": [']
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(head) + "\n" + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return path


def test_an_export_shaped_file_reads_the_same_as_any_json(app, tmp_path):
    services = [service_data(code=f"1.{i:06d}", name=f"Thủ tục {i}", status="published") for i in range(5)]
    fast = [item for _, item in read_catalogue(export_shaped(tmp_path, services)).services]
    careful = [item for _, item in read_catalogue(write_json(tmp_path, payload(*services))).services]
    assert fast == careful == services


def test_a_broken_line_is_reported_where_it_is_and_nothing_is_written(app, tmp_path):
    services = [service_data(code=f"1.{i:06d}") for i in range(6)]
    rows = [*services[:4], json.dumps(services[4], ensure_ascii=False)[:-20], services[5]]  # cut short
    problems = problems_of(export_shaped(tmp_path, rows))
    assert len(problems) == 1 and problems[0].startswith("services[4]: JSON không hợp lệ"), problems
    assert count(Service) == 0


def test_lines_not_in_export_shape_are_read_by_the_careful_reader(app, tmp_path):
    services = [service_data(code=f"1.{i:06d}", name=f"Thủ tục {i}") for i in range(5)]
    two = json.dumps(services[2], ensure_ascii=False) + ", " + json.dumps(services[3], ensure_ascii=False)
    assert load(export_shaped(tmp_path, [*services[:2], two, services[4]])).created == 5
    assert sorted(db.session.scalars(select(Service.code))) == [s["code"] for s in services]


def test_nesting_too_deep_on_one_line_is_still_refused(app, tmp_path):
    deep = json.dumps({**service_data(code="1.000009"), "steps": ["x"]}).replace('["x"]', "[" * 60 + "]" * 60)
    problems = problems_of(export_shaped(tmp_path, [service_data(), deep]))
    assert problems and "quá sâu" in problems[0], problems
    assert count(Service) == 0


def test_a_renamed_agency_shows_its_new_name_on_result_pages_and_the_api_at_once(app, client, tmp_path):
    """The names are kept per process between requests (catalogue/reference.py): a rename
    by an import, in this process or any other, must show on the next page anyway."""
    published = service_data(status="published", published_at="2011-03-01T08:00:00+07:00")
    load(write_json(tmp_path, payload(published)))
    assert "Sở Tư pháp" in client.get("/services?q=khai+sinh").get_data(as_text=True)
    agencies = payload()["agencies"]
    agencies[1]["name"] = "Sở Tư pháp tỉnh Đắk Lắk"
    load(write_json(tmp_path, payload(published, agencies=agencies), "renamed.json"))
    page = client.get("/services?q=khai+sinh").get_data(as_text=True)
    assert '<span class="facet-name">Sở Tư pháp tỉnh Đắk Lắk</span>' in page  # the filter column
    assert "Sở Tư pháp tỉnh Đắk Lắk</span>" in page.split('class="card-list"')[1]  # the card
    item = client.get("/api/v1/services?q=khai+sinh").get_json()["items"][0]
    assert item["agency"] == {"code": "so-tu-phap", "name": "Sở Tư pháp tỉnh Đắk Lắk"}
    assert client.get("/services?agency=so-tu-phap").status_code == 200
