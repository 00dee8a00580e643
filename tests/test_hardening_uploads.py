"""Uploads that unpack or disguise themselves: zip bombs and OLE2 files that are not DOC/XLS."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest

from catalogue.uploads import ZIP_MAX_ENTRIES, UploadError, detect_kind, store_upload
from tests.manage_support import sign_in
from tests.ole2_support import ole2_file
from tests.test_manage_uploads import _post_with_file

WORD_TYPES = (b'<Types><Override PartName="/word/document.xml" ContentType="application/'
              b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>')


def bomb_docx(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A .docx of a few hundred KB whose [Content_Types].xml inflates to ``inflated`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("[Content_Types].xml", "w", force_zip64=True) as entry:
            entry.write(WORD_TYPES)
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                entry.write(chunk)
            entry.write(b"</Types>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_docx()


def test_zip_bomb_is_refused_without_inflating_it(tmp_path, bomb):
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(UploadError, match="giải nén ra quá lớn"):
            store_upload(tmp_path, "to-khai.docx", io.BytesIO(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"{peak / 2**20:.0f} MB while checking the upload"
    assert os.listdir(tmp_path) == []


def test_zip_bomb_upload_answers_the_vietnamese_message(client, accounts, app, bomb):
    sign_in(client, "tuphap@daklak.gov.vn")
    page = _post_with_file(client, bomb, "to-khai.docx")
    assert page.status_code == 422
    assert "giải nén ra quá lớn" in page.get_data(as_text=True)


def test_a_types_entry_lying_about_its_size_is_read_as_a_prefix_only():
    """The declared size is small; the bounded read stops at it whatever the stream holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES + b" " * 50_000_000 + b"</Types>")
    tracemalloc.start()
    try:
        with pytest.raises(UploadError):
            detect_kind(buffer.getvalue(), "x.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_too_many_entries_are_refused_before_the_directory_is_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES + b"</Types>")
        for number in range(ZIP_MAX_ENTRIES + 1):
            archive.writestr(f"{number}", b"")
    with pytest.raises(UploadError, match="quá nhiều mục"):
        detect_kind(buffer.getvalue(), "x.docx")


def test_an_ordinary_docx_with_many_parts_is_still_accepted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES + b"</Types>")
        archive.writestr("word/document.xml", "<w:document>" + "<w:p/>" * 100_000 + "</w:document>")
        for number in range(50):
            archive.writestr(f"word/media/image{number}.png", os.urandom(1000))
    assert detect_kind(buffer.getvalue(), "x.docx") == "docx"


@pytest.mark.parametrize(("streams", "name", "kind"), [
    (("WordDocument", "1Table"), "to-khai.doc", "doc"),
    (("WordDocument",), "to-khai.xls", "doc"),
    (("Workbook",), "bang-ke.xls", "xls"),
    (("Book",), "bang-ke.xls", "xls"),
    (("Workbook",), "bang-ke.doc", "xls"),
    (("\x05SummaryInformation", "\x05DocumentSummaryInformation"), "cai-dat.doc", None),
    ((), "to-khai.doc", None),
])
def test_ole2_kind_comes_from_its_stream_names(streams, name, kind):
    assert detect_kind(ole2_file(*streams), name) == kind


def test_an_msi_renamed_doc_is_refused(tmp_path):
    msi = ole2_file("\x05SummaryInformation", "\u4840\u3b3f\u4577")  # MSI's encoded table names
    with pytest.raises(UploadError, match="không phải PDF"):
        store_upload(tmp_path, "to-khai.doc", io.BytesIO(msi))


@pytest.mark.parametrize("damage", [
    lambda b: b[:600],  # directory sector cut off
    lambda b: b[:0x30] + b"\xff\xff\xff\x7f" + b[0x34:],  # directory beyond the file
    lambda b: b[:512] + b"\x01\x00\x00\x00" * 128 + b[1024:],  # FAT loops on itself
    lambda b: b[:0x1E] + b"\x20\x00" + b[0x20:],  # sector size 2**32
])
def test_damaged_ole2_is_refused_not_a_crash(damage):
    assert detect_kind(damage(ole2_file("WordDocument")), "x.doc") in (None, "doc")
