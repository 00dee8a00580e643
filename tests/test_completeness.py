"""Completeness of a record in the 7 mandatory parts: the rule, the editor's "Thiếu: ..."
line before publishing, the filter of the agency's list, and publishing still allowed."""

from __future__ import annotations

from catalogue.completeness import PARTS, missing_mask, missing_parts, missing_text, parts_of_mask
from tests.manage_support import csrf_of, sign_in
from tests.support import service_data, text_of


def test_a_full_record_lacks_nothing():
    assert missing_parts(service_data()) == []
    assert missing_mask(service_data()) == 0
    assert len(PARTS) == 7


def test_each_part_is_seen_missing():
    record = service_data(steps=[], method="", documents=[], processing_days=None, result="",
                          fees="", legal_basis=[])
    assert missing_parts(record) == [key for key, _ in PARTS]
    assert parts_of_mask(missing_mask(record)) == [key for key, _ in PARTS]
    assert missing_text(missing_parts(service_data(processing_days=None, fees=" "))) == (
        "Thiếu: thời hạn giải quyết; phí, lệ phí")


def test_a_first_edition_file_without_channels_and_a_second_edition_channel():
    record = service_data(method="", processing_days=None, fees="")
    assert missing_parts(record) == ["method", "processing_days", "fees"]
    record["channels"] = [{"kind": "online", "processing_days": None, "processing_time": "03 ngày làm việc",
                           "fee": "", "fee_vnd": 0, "description": ""}]
    assert missing_parts(record) == []


def test_editor_sees_what_is_missing_and_may_publish_anyway(client, accounts, make_service):
    service = make_service(code="1.1", name="Thủ tục thiếu", processing_days=None, fees="",
                           partial_reason="technical")
    make_service(code="1.2", name="Thủ tục đủ")
    sign_in(client, accounts["justice"].email)
    edit = text_of(client.get("/manage/services/1.1/edit"))
    assert "Thiếu: thời hạn giải quyết; phí, lệ phí" in edit
    preview = text_of(client.get("/manage/services/1.1/preview"))
    assert "Thiếu: thời hạn giải quyết; phí, lệ phí" in preview
    assert "Thiếu:" not in text_of(client.get("/manage/services/1.2/edit"))

    listed = text_of(client.get("/manage/services?complete=incomplete"))
    assert "Thủ tục thiếu" in listed and "Thủ tục đủ" not in listed
    assert "thời hạn giải quyết; phí, lệ phí" in listed
    complete = text_of(client.get("/manage/services?complete=complete"))
    assert "Thủ tục đủ" in complete and "Thủ tục thiếu" not in complete

    token = csrf_of(client, "/manage/services/1.1/edit")
    done = client.post("/manage/services/1.1/publish", data={"csrf_token": token, "version": service.version},
                       follow_redirects=True)
    assert "Đã công bố" in text_of(done)
