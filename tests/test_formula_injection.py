"""Names typed as spreadsheet formulas (issue 12, point 4): the public CSV and Excel
downloads and the ``export`` CSV carry them as text, and ``export`` → ``import`` still
gives back every text exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from catalogue.transfer import catalogue_dict, export_catalogue
from portal.extensions import db
from tests.support import empty_database, service_data

FORMULAS = [
    '=HYPERLINK("http://evil.example","Bấm vào đây")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
]
SPREADSHEET_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _catalogue(runner: Any, tmp_path: Path, services: list[dict[str, Any]] | None = None) -> None:
    agencies = [{"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None}]
    agencies += [{"code": f"co-quan-{i}", "name": name, "parent": "ubnd-tinh"}
                 for i, name in enumerate(FORMULAS)]
    fields = [{"code": "ho-tich", "name": "=1+1 Hộ tịch"}]
    if services is None:
        services = [service_data(code=f"1.00{i}", agency=f"co-quan-{i}", status="published",
                                 published_at="2020-01-01T08:00:00+07:00")
                    for i in range(len(FORMULAS))]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"agencies": agencies, "fields": fields, "services": services},
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output


def test_statistics_csv_cells_never_start_a_formula(client: Any, runner: Any, tmp_path: Path) -> None:
    _catalogue(runner, tmp_path)
    seen = []
    for table in ("theo-co-quan", "theo-linh-vuc"):
        response = client.get(f"/statistics/download/{table}.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c.startswith(SPREADSHEET_STARTS)]
        seen += cells
    # The names are all there, shown as text: an apostrophe in front.
    for name in [*FORMULAS, "=1+1 Hộ tịch"]:
        assert any(cell.strip() == "'" + name for cell in seen), name


def test_statistics_workbook_writes_names_as_text_not_formulas(client: Any, runner: Any,
                                                                tmp_path: Path) -> None:
    _catalogue(runner, tmp_path)
    response = client.get("/statistics/download/tat-ca.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(FORMULAS) <= texts and "=1+1 Hộ tịch" in texts


def test_export_csv_is_safe_to_open_and_imports_back_exactly(app: Any, runner: Any,
                                                             tmp_path: Path) -> None:
    tricky = [
        service_data(code="1.001", name=FORMULAS[0], agency="co-quan-0", summary="'đã có nháy đơn",
                     steps=["@SUM(1)", "Bước hai"], legal_basis=["-Luật", "+Nghị định"],
                     documents=[{"name": "=Tờ khai", "copies": 1}],
                     fees="''hai nháy", result="\tKết quả", requirements="\r\nĐiều kiện",
                     forms=[{"title": "+Mẫu", "url": "https://example.gov.vn/mau.doc"}],
                     status="published", published_at="2020-01-01T08:00:00+07:00"),
        service_data(code="1.002", name="Tên bình thường", agency="co-quan-1", summary="-"),
    ]
    _catalogue(runner, tmp_path, tricky)
    before = catalogue_dict(db.session)
    path = tmp_path / "export.csv"
    export_catalogue(db.session, path)

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(SPREADSHEET_STARTS)]
    assert "'" + FORMULAS[0] in cells and "''đã có nháy đơn" in cells and "'''hai nháy" in cells

    refs = {k: before[k] for k in ("agencies", "fields")}
    db.session.remove()
    empty_database()
    refs_path = tmp_path / "refs.json"
    refs_path.write_text(json.dumps({**refs, "services": []}, ensure_ascii=False), encoding="utf-8")
    for file in (refs_path, path):
        result = runner.invoke(args=["import", str(file)])
        assert result.exit_code == 0, result.output
    after = catalogue_dict(db.session)
    assert after == before
    services = {s["code"]: s for s in after["services"]}
    assert services["1.001"]["name"] == FORMULAS[0]
    assert services["1.001"]["summary"] == "'đã có nháy đơn"
    assert services["1.002"]["summary"] == "-"
