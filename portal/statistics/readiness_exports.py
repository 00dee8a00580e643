"""Downloads of the index page: CSV (UTF-8 with BOM) and Excel, with formula injection
neutralised: a spreadsheet must never run a service name as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

# What a spreadsheet reads as the start of a formula (or of a cell it splits).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> object:
    """A text cell starting like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sheets_csv(sheets: Sequence[tuple[str, list[str], list[list[object]]]]) -> bytes:
    """Every table one after another, each under its title, blank lines between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, (title, columns, rows) in enumerate(sheets):
        if i:
            writer.writerow([])
        writer.writerow([neutral(title)])
        writer.writerow([neutral(c) for c in columns])
        writer.writerows([neutral(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheets_xlsx(sheets: Iterable[tuple[str, list[str], list[list[object]]]], title: str) -> bytes:
    """One sheet per table; every text cell typed as text, so "=..." is never a formula."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, columns, rows in sheets:
        sheet = book.create_sheet(name[:31])
        for r, row in enumerate([[title], [name], [], columns, *rows], 1):
            for c, value in enumerate(row, 1):
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                if r in (1, 4):
                    cell.font = bold
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 60
        sheet.freeze_panes = "A5"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
