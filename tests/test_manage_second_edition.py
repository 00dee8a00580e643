"""Editing the second edition without JavaScript: an "add" button posts the form back
with one more empty row; the editor fills in a channel and a paper with its condition."""

from __future__ import annotations

import re

from sqlalchemy import select

from catalogue.models import Service
from portal.extensions import db
from tests.manage_support import TOKEN, form_data, sign_in
from tests.support import service_data

JUSTICE = "tuphap@daklak.gov.vn"


def _token(page) -> str:
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def test_editor_adds_a_channel_and_a_paper_with_its_condition(client, accounts):
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/new"))
    data = form_data(service_data(), token)
    del data["save"]
    page = client.post("/manage/services/new", data={**data, "row": "add:channels"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    # The new row's controls, with labels, and nothing saved yet.
    for name in ("kind", "processing_days", "processing_time", "fee", "fee_vnd", "description"):
        assert f'name="channels-0-{name}"' in body
    assert '<label for="channels-0-kind">Hình thức nộp</label>' in body
    assert db.session.scalar(select(Service)) is None
    page = client.post("/manage/services/new", data={**data, "row": "add:documents"})
    assert 'name="documents-2-condition"' in page.get_data(as_text=True)

    data.update({
        "channels-0-kind": "in_person", "channels-0-processing_days": "1",
        "channels-0-processing_time": "1 ngày làm việc", "channels-0-fee": "Miễn lệ phí",
        "channels-0-fee_vnd": "0", "channels-0-description": "Nộp tại UBND cấp xã",
        "documents-2-name": "Biên bản xác nhận việc trẻ bị bỏ rơi", "documents-2-copies": "1",
        "documents-2-copy_type": "original", "documents-2-group": "submit",
        "documents-2-condition": "Trường hợp trẻ em bị bỏ rơi",
        "document_notes-0": "Không phải nộp bản giấy Giấy chứng sinh đã có bản điện tử.",
        "save": "1",
    })
    saved = client.post("/manage/services/new", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    service = db.session.scalar(select(Service))
    assert service.channels == [{"kind": "in_person", "processing_days": 1,
                                 "processing_time": "1 ngày làm việc", "fee": "Miễn lệ phí",
                                 "fee_vnd": 0, "description": "Nộp tại UBND cấp xã"}]
    assert service.documents[2] == {"name": "Biên bản xác nhận việc trẻ bị bỏ rơi", "copies": 1,
                                    "copy_type": "original", "group": "submit",
                                    "condition": "Trường hợp trẻ em bị bỏ rơi"}
    assert service.document_notes == ["Không phải nộp bản giấy Giấy chứng sinh đã có bản điện tử."]

    # The edit form shows them back.
    edit = client.get(f"/manage/services/{service.code}/edit").get_data(as_text=True)
    assert 'value="Trường hợp trẻ em bị bỏ rơi"' in edit
    assert re.search(r'name="channels-0-kind".*?<option selected value="in_person">', edit, re.S)


def test_a_bad_channel_is_refused_beside_its_row(client, accounts):
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/new"))
    record = service_data(channels=[{"kind": "fax", "fee_vnd": "năm mươi nghìn"}],
                          documents=[{"name": "Ghi chú", "copies": "0"}])
    page = client.post("/manage/services/new", data=form_data(record, token))
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert re.search(r'name="channels-0-fee_vnd"[^>]*>\s*<p class="field-error"[^>]*>[^<]*số tiền', body)
    assert re.search(r'name="channels-0-kind".*?</select>\s*<p class="field-error"', body, re.S)
    assert "số bản phải là số nguyên từ 1 đến 99" in body
    assert db.session.scalar(select(Service)) is None


def test_history_reads_the_new_items_as_lines():
    from portal.manage.history import change_lines

    assert change_lines([{"name": "Biên bản", "copies": 1, "copy_type": "original", "group": "show",
                          "condition": "Trường hợp trẻ em bị bỏ rơi"}]) == [
        "Biên bản (1 bản; Bản chính; Giấy tờ phải xuất trình; Trường hợp trẻ em bị bỏ rơi)"]
    assert change_lines([{"kind": "online", "processing_days": 1, "processing_time": "1 ngày",
                          "fee": "Miễn phí", "fee_vnd": 0, "description": ""}]) == [
        "Trực tuyến – 1 ngày – Miễn phí"]
    assert change_lines([{"title": "Tờ khai", "url": "/files/a.pdf", "kind": "file"}]) == [
        "Tờ khai – /files/a.pdf"]
