"""Hostile import files answer the importer's usual messages: never a traceback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from catalogue.models import Agency, Service
from portal.extensions import db
from tests.support import service_data

BIG = "9" * 5000


def _file(tmp_path, services: str, name: str = "c.json"):
    path = tmp_path / name
    path.write_text(
        '{"agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": null}],'
        ' "fields": [{"code": "ho-tich", "name": "Hộ tịch"}], "services": ' + services + "}",
        encoding="utf-8")
    return path


def _service(**raw: str) -> str:
    """A valid service as JSON text, with some values replaced by raw JSON text."""
    text = json.dumps(service_data(), ensure_ascii=False)
    data = json.loads(text)
    for key in raw:
        data[key] = f"@@{key}@@"
    text = json.dumps(data, ensure_ascii=False)
    for key, value in raw.items():
        text = text.replace(f'"@@{key}@@"', value)
    return text


def _assert_refused(runner, path, *messages: str):
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "không có gì được ghi" in result.output or "JSON" in result.output
    for message in messages:
        assert message in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0
    return result.output


@pytest.mark.parametrize("key", ["processing_days", "level", "code", "name"])
def test_a_5000_digit_integer_is_a_bad_row(runner, tmp_path, catalogue_refs_absent, key):
    path = _file(tmp_path, f"[{_service(**{key: BIG})}]")
    _assert_refused(runner, path, "services[0]", "1 lỗi, không có gì được ghi")


def test_a_5000_digit_negative_integer_in_a_document_is_a_bad_row(runner, tmp_path, catalogue_refs_absent):
    documents = '[{"name": "Tờ khai", "copies": -' + BIG + "}]"
    path = _file(tmp_path, f"[{_service(documents=documents)}]")
    # The streaming parser cannot hold the number, so the row is named, not the field.
    _assert_refused(runner, path, "services[0]", "số nguyên quá dài")


def test_100000_deep_nesting_is_a_file_level_message(runner, tmp_path, catalogue_refs_absent):
    path = _file(tmp_path, "[" * 100_000 + "]" * 100_000)
    _assert_refused(runner, path, "lồng nhau quá sâu")


def test_nesting_inside_a_row_just_under_the_recursion_limit_is_refused_too(runner, tmp_path,
                                                                           catalogue_refs_absent):
    path = _file(tmp_path, f"[{_service(steps='[' * 900 + ']' * 900)}]")
    _assert_refused(runner, path, "lồng nhau quá sâu")


def test_a_5000_digit_integer_in_csv_is_a_bad_row(runner, tmp_path, catalogue_refs):
    from catalogue.file_formats import write_csv

    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv([service_data(processing_days=BIG)], out)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "dòng 2" in result.output and "Thời hạn giải quyết" in result.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0


def test_an_ordinary_file_still_imports(runner, tmp_path, catalogue_refs_absent):
    path = _file(tmp_path, f"[{_service(processing_days='12')}]")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Service.processing_days)) == 12


@pytest.fixture
def catalogue_refs_absent(app):
    """The file brings its own agency and field: the database starts empty."""
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0
