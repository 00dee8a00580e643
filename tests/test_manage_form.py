"""The service form as GOV.UK's design system does it: an error summary at the top whose
links lead to each field, the message beside the field too; paragraph boxes; labels on
phones; names instead of codes in the history."""

from __future__ import annotations

import re

from sqlalchemy import select

from catalogue.models import Service
from portal.extensions import db
from tests.manage_support import csrf_of, form_data, sign_in
from tests.support import service_data

JUSTICE = "tuphap@daklak.gov.vn"


def test_two_errors_are_listed_at_the_top_each_linking_to_its_field(client, accounts):
    sign_in(client, JUSTICE)
    token = csrf_of(client, "/manage/services/new")
    record = service_data(name="", online_url="ftp://khong-hop-le",
                          documents=[{"name": "Tờ khai", "copies": "nhiều"}])
    page = client.post("/manage/services/new", data=form_data(record, token))
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', body, re.S)
    assert summary and "tabindex=\"-1\" autofocus" in summary.group(0)
    assert "có 3 lỗi" in summary.group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(1))
    targets = [t for t, _ in links]
    assert targets == ["name", "documents-0-copies", "online_url"]  # in the order of the page
    for target, _text in links:
        assert re.search(rf'\sid="{target}"', body), target  # the link leads to a real field
    assert "Tên thủ tục" in links[0][1] and "Giấy tờ 1, số bản" in links[1][1]
    # ...and each message is beside its field too.
    assert re.search(r'id="name"[^>]*>\s*<p class="field-error"', body)


def test_steps_documents_and_legal_basis_are_paragraph_boxes(client, accounts):
    sign_in(client, JUSTICE)
    body = client.get("/manage/services/new").get_data(as_text=True)
    for name in ("steps-0", "documents-0-name", "legal_basis-0", "summary", "fees"):
        assert re.search(rf'<textarea[^>]*class="[^"]*grow[^"]*"[^>]*name="{name}"[^>]*rows="\d"', body) or \
            re.search(rf'<textarea[^>]*name="{name}"[^>]*rows="\d"', body), name


def test_the_list_labels_each_cell_for_phones(client, accounts, make_service):
    make_service(status="published")
    sign_in(client, JUSTICE)
    body = client.get("/manage/services").get_data(as_text=True)
    assert '<span class="cell-label">Mức độ: </span>' in body
    assert "nộp và xử lý hồ sơ trực tuyến" in body  # level 3 in words, not only "3"


def test_history_names_agencies_and_fields_instead_of_codes(client, accounts, make_service):
    service = make_service()
    sign_in(client, "admin@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    moved = service_data(agency="so-ke-hoach-va-dau-tu", field="dat-dai")
    assert client.post("/manage/services/1.001193/edit",
                       data=form_data(moved, token, service.version)).status_code == 302
    body = client.get("/manage/services/1.001193/history").get_data(as_text=True)
    changes = body.split('class="changes"', 1)[1]
    assert "Sở Tư pháp" in changes and "Sở Kế hoạch và Đầu tư" in changes and "Đất đai" in changes
    assert "so-tu-phap" not in changes and "dat-dai" not in changes
    db.session.expire_all()
    assert db.session.scalar(select(Service.field_id)) is not None
