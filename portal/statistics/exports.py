"""Downloads of the statistics tables: CSV (UTF-8 with BOM, so Excel reads Vietnamese)
and Excel workbooks (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .tables import Table

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(_indented(table))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _indented(table: Table) -> Iterable[list[object]]:
    """Members of a group (districts) keep their place under it, marked by indentation."""
    for i, row in enumerate(table.rows):
        depth = table.depths[i] if i < len(table.depths) else 0
        yield [("    " * depth + str(row[0])) if depth else row[0], *row[1:]]


def tables_xlsx(tables: Iterable[Table], title: str) -> bytes:
    """One sheet per table, the title and date on top, numbers as numbers."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([title])
        sheet.append([table.title, _stamp(table)])
        sheet.append([])
        sheet.append(table.columns)
        for cell in sheet[1] + sheet[4]:
            cell.font = bold
        for i, row in enumerate(table.rows):
            sheet.append(list(row))
            depth = table.depths[i] if i < len(table.depths) else 0
            if depth:
                sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(indent=depth * 2)
            if i < len(table.groups) and table.groups[i]:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        sheet.column_dimensions["A"].width = 60
        for letter in "BCDEFG":
            sheet.column_dimensions[letter].width = 18
        sheet.freeze_panes = "A5"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _stamp(table: Table) -> str:
    if table.period:
        stamp = f"Từ {table.period[0]:%d/%m/%Y} đến {table.period[1]:%d/%m/%Y}"
    else:
        stamp = f"Tính đến hết ngày {table.day:%d/%m/%Y}" if table.day else ""
    if table.scheme is not None:
        stamp += f"; cách tính: {table.scheme.decree}"
    return stamp
