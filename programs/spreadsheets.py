"""The one way the app writes a CSV file or an XLSX workbook.

Every cell passes `spreadsheet_cell`, so text a spreadsheet would run as a formula (an
e-mail like `=1+1@evil.test`, a name like `=HYPERLINK(...)`) is written as text. Writing a
file any other way fails tests/test_architecture.py, so a new export cannot forget the
guard.

The guard follows OWASP's CSV injection advice: a cell starting with `=`, `+`, `-`, `@`,
a tab or a carriage return gets a leading apostrophe; so does one where spaces, tabs or
line breaks come before `= + - @` (spreadsheets skip them before reading a formula). A plain
number written as text ("-2.5") is left alone: it cannot be a formula, and figures must
read the same in every format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

# A formula starts after any leading whitespace; a leading tab or CR is refused on its own.
_FORMULA = re.compile(r"[ \t\r\n]*[=+\-@]|[\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Kept as they are: a spreadsheet shows them as values, never as formulas.
_VALUES = (bool, int, float, Decimal, dt.date, dt.datetime, dt.time)


def spreadsheet_cell(value: Any) -> Any:
    """A cell as it is safe to write: numbers, dates and None as they are, anything else
    as text, with an apostrophe in front when a spreadsheet would read it as a formula."""
    if value is None or isinstance(value, _VALUES):
        return value
    text = value if isinstance(value, str) else str(value)
    if _FORMULA.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def spreadsheet_row(cells: Iterable[Any]) -> list[Any]:
    return [spreadsheet_cell(c) for c in cells]


# --- CSV ----------------------------------------------------------------------------------


class CsvWriter:
    """csv.writer with the guard on every cell. `writerow` returns what was written, so a
    writer over `Echo()` streams a response line by line."""

    def __init__(self, file: Any, **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, cells: Iterable[Any]) -> Any:
        return self._writer.writerow(spreadsheet_row(cells))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter:
    """csv.DictWriter with the guard on every value (the header is ours, not guarded)."""

    def __init__(self, file: Any, fieldnames: Sequence[str], **options: Any) -> None:
        self._writer = csv.DictWriter(file, fieldnames=fieldnames, **options)

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({k: spreadsheet_cell(v) for k, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


class Echo:
    """A file that hands back what is written: for streaming a CSV response."""

    def write(self, value: str) -> str:
        return value


def csv_text(rows: Iterable[Iterable[Any]], **options: Any) -> str:
    """Rows (the header first) as CSV text."""
    out = io.StringIO()
    CsvWriter(out, **options).writerows(rows)
    return out.getvalue()


# --- XLSX ---------------------------------------------------------------------------------


class Sheet:
    """A worksheet that only takes rows through the guard."""

    def __init__(self, worksheet: Any) -> None:
        self._sheet = worksheet

    def append(self, cells: Iterable[Any]) -> None:
        self._sheet.append(spreadsheet_row(cells))

    def bold_row(self, number: int) -> None:
        from openpyxl.styles import Font

        for cell in self._sheet[number]:
            cell.font = Font(bold=True)

    def widths(self, widths: Mapping[str, float]) -> None:
        for column, width in widths.items():
            self._sheet.column_dimensions[column].width = width


class Workbook:
    """An XLSX workbook whose sheets write every cell through the guard."""

    def __init__(self) -> None:
        from openpyxl import Workbook as OpenpyxlWorkbook

        self._book = OpenpyxlWorkbook()
        self._fresh = True

    def sheet(self, title: str, header: Sequence[str] | None = None) -> Sheet:
        """A new sheet (the first call names the workbook's first one), its header bold."""
        if self._fresh:
            worksheet = self._book.active
            assert worksheet is not None
            worksheet.title = title
            self._fresh = False
        else:
            worksheet = self._book.create_sheet(title)
        sheet = Sheet(worksheet)
        if header is not None:
            sheet.append(header)
            sheet.bold_row(1)
        return sheet

    def save(self, file: IO[bytes]) -> None:
        self._book.save(file)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
