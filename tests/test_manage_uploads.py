"""Downloadable forms uploaded as files: the content decides, the portal names and serves them."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from catalogue.models import Service
from catalogue.uploads import UploadError, detect_kind, store_upload
from portal.extensions import db
from tests.manage_support import TOKEN, form_data, sign_in
from tests.ole2_support import ole2_file
from tests.support import service_data

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
       + b"This program cannot be run in DOS mode")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<Types><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active["A1"] = "Tờ khai"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "name", "kind"), [
    (PDF, "to-khai.pdf", "pdf"),
    (docx_bytes(), "to-khai.docx", "docx"),
    (xlsx_bytes(), "bang-ke.xlsx", "xlsx"),
    (odt_bytes(), "don.odt", "odt"),
    (ole2_file("Workbook"), "bang-ke.xls", "xls"),
    (ole2_file("WordDocument"), "to-khai.doc", "doc"),
    (EXE, "to-khai.pdf", None),
    (b"<script>alert(1)</script>", "to-khai.doc", None),
    (zipfile.ZipFile.__name__.encode(), "x.docx", None),
])
def test_type_comes_from_the_content_not_the_name(content, name, kind):
    assert detect_kind(content, name) == kind


def test_a_plain_zip_renamed_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXE)
    assert detect_kind(buffer.getvalue(), "to-khai.docx") is None


def test_stored_names_are_new_and_ascii(tmp_path):
    name = store_upload(tmp_path, "../../Tờ khai đăng ký.pdf", io.BytesIO(PDF))
    assert name.startswith("to-khai-dang-ky-") and name.endswith(".pdf")
    assert os.listdir(tmp_path) == [name]
    with pytest.raises(UploadError, match="lớn quá"):
        store_upload(tmp_path, "lon.pdf", io.BytesIO(PDF + b"0" * 2048), max_bytes=1024)


def _post_with_file(client, content, filename, **overrides):
    token = TOKEN.search(client.get("/manage/services/new").get_data(as_text=True)).group(1)
    data = form_data(service_data(forms=[], **overrides), token)
    data["forms-0-title"] = ""
    data["forms-0-url"] = ""
    data["forms-0-file"] = (io.BytesIO(content), filename)
    return client.post("/manage/services/new", data=data, content_type="multipart/form-data")


def test_uploaded_form_is_stored_and_served_as_an_attachment(client, accounts, app):
    sign_in(client, "tuphap@daklak.gov.vn")
    content = docx_bytes()  # built once: zip entries carry the time they were written
    answer = _post_with_file(client, content, "Tờ khai khai sinh.docx")
    assert answer.status_code == 302
    service = db.session.scalar(select(Service))
    form = service.forms[0]
    assert form["title"] == "Tờ khai khai sinh"
    assert form["url"].startswith("/files/to-khai-khai-sinh-") and form["url"].endswith(".docx")
    stored = os.listdir(app.config["UPLOAD_DIR"])
    assert [f"/files/{stored[0]}"] == [form["url"]]
    assert not os.path.abspath(app.config["UPLOAD_DIR"]).startswith(os.path.abspath(app.static_folder))
    with client.get(form["url"]) as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.data == content
    assert client.get("/files/../secret_key").status_code == 404
    assert client.get("/files/secret_key").status_code == 404


def test_exe_renamed_pdf_is_refused_and_nothing_is_kept(client, accounts, app):
    sign_in(client, "tuphap@daklak.gov.vn")
    page = _post_with_file(client, EXE, "to-khai.pdf")
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "Tệp không phải PDF, DOC, DOCX, XLS, XLSX hoặc ODT" in body
    assert "Đăng ký khai sinh" in body  # what was typed is still there
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0
    assert not os.path.exists(app.config["UPLOAD_DIR"]) or os.listdir(app.config["UPLOAD_DIR"]) == []


def test_upload_survives_a_refused_save(client, accounts):
    """The file is kept at once, so fixing another field does not mean choosing it again."""
    sign_in(client, "tuphap@daklak.gov.vn")
    page = _post_with_file(client, PDF, "mau-don.pdf", name="")
    assert page.status_code == 422
    assert 'value="/files/mau-don-' in page.get_data(as_text=True)


def test_a_file_larger_than_the_text_limit_of_a_form_is_still_accepted(client, accounts, app):
    """The cap on a form's text (FORM_MAX_BYTES) leaves files to their own limit."""
    sign_in(client, "tuphap@daklak.gov.vn")
    token = TOKEN.search(client.get("/manage/services/new").get_data(as_text=True)).group(1)
    data = form_data(service_data(forms=[]), token)
    data.update({"forms-0-title": "Tờ khai", "forms-0-url": ""})
    content = PDF + b"0" * (app.config["FORM_MAX_BYTES"] * 2)
    data["forms-0-file"] = FileStorage(io.BytesIO(content), "to-khai.pdf", content_type="application/pdf")
    boundary, body = encode_multipart(data)  # in memory: see tests/test_security.py
    answer = client.post("/manage/services/new", data=body,
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 302
    stored = db.session.scalar(select(Service)).forms[0]["url"]
    download = client.get(stored)
    assert download.data == content
    download.close()


def test_too_large_upload_gets_a_clear_message(client, accounts, app):
    app.config["UPLOAD_MAX_BYTES"] = 4096
    sign_in(client, "tuphap@daklak.gov.vn")
    page = _post_with_file(client, PDF + b"0" * 5000, "lon.pdf")
    assert page.status_code == 422
    assert "Tệp lớn quá" in page.get_data(as_text=True)
