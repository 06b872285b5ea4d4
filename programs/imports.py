"""The one import mechanism every app uses, for CSV and Excel (.xlsx) files.

A file is first read as a table (programs.imports `read_table`): its size, rows and, for a
workbook, its unpacked size are checked before anything is parsed; a CSV's encoding is
found out (or given); a workbook's cells keep the types Excel gave them. The header must name
every column once, and only columns the import knows. Then an importer parses each row into
a typed value, collecting every problem with its line and column; checks the file as a whole
(duplicate keys); and, only if nothing is wrong, writes all rows in one transaction. A
failure while writing rolls everything back. Rows are matched on a natural key or
`external_id`, so importing the same file again changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TextIO, TypeVar

from charset_normalizer import from_bytes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from config.accounts.models import User
from programs.models import Organization

RowT = TypeVar("RowT")
Outcome = Literal["created", "updated", "unchanged"]

MISSING_COLUMN = "the column is missing from the header row"
REQUIRED = "a value is required"
BAD_DATE = "expected a date as YYYY-MM-DD"
BAD_TIME = "expected a time as HH:MM"
BAD_EMAIL = "not a valid e-mail address"
BAD_NUMBER = "expected a number"
BAD_WHOLE_NUMBER = "expected a whole number"
BAD_SLUG = "use only letters, digits, hyphens and underscores"
DUPLICATE_IN_FILE = "the same {what} appears on line {line}"
UNREADABLE = "the file could not be read as CSV"
# The header row.
UNKNOWN_COLUMN = "column `{name}` is not known: did you mean `{match}`?"
UNKNOWN_COLUMN_NO_MATCH = "column `{name}` is not known; the columns are: {known}"
DUPLICATE_COLUMN = "column `{name}` appears more than once in the header row"
NO_HEADER = "the file is empty: the first row must name the columns"
VALUE_WITHOUT_COLUMN = "a value in a column that has no name in the header row"
# A cell.
UNSTORABLE = "contains a character that cannot be stored (such as NUL)"
BAD_BYTE = "the byte 0x{byte:02X} is not text in {encoding}; save the file as CSV UTF-8"
FORMULA_WITHOUT_VALUE = (
    "a formula with no saved value: open the file in Excel and save it again, or paste the values"
)
EXCEL_ERROR = "the cell shows the error {value}"
DATE_AND_TIME = "expected a time, not a date"
# The file as a whole (line 0: not one line of it).
FILE_TOO_LARGE = "The file is larger than {mb} MB; split it into smaller files."
TOO_MANY_ROWS = "the file has more than {rows} rows; split it into smaller files"
UNKNOWN_ENCODING = "{encoding!r} is not an encoding this import knows (try utf-8 or cp1252)"
NOT_TEXT = (
    "the file is not text in UTF-8, UTF-16 or Windows-1252; save it as CSV UTF-8 "
    "or say its encoding"
)
NOT_XLSX = "the file is not an Excel workbook (.xlsx) that can be read"
OLD_EXCEL = "this is an older Excel file (.xls); save it as Excel Workbook (.xlsx) or CSV"
NOT_A_SPREADSHEET = "save the file as CSV or Excel Workbook (.xlsx)"
UNPACKED_TOO_LARGE = "the workbook would unpack to more than {mb} MB; split it into smaller files"
IMPLAUSIBLE_COMPRESSION = "the workbook is packed implausibly tightly and is not read"
NO_SUCH_SHEET = "the workbook has no sheet named {sheet!r}; its sheets are: {sheets}"
# Every management command that takes --organization says this when there is none.
NO_SUCH_ORGANIZATION = "No organization with the slug {slug!r}."


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    message: str
    # The file as a whole could not be read (too large, not text, cut short): no row was
    # read, so there is no column to name. Every other problem names its column.
    whole_file: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        # Line 0 is the file as a whole (too large, not a spreadsheet).
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            # A problem with the row as a whole is reported in the columns of its key.
            where.append(("columns " if ", " in self.column else "column ") + self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """Nothing was written; `errors` says why, row by row."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.rows} row(s): {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class ExcelProblem:
    """An Excel cell that has no value to read: a formula never calculated, or an error."""

    message: str


# What a cell of a table holds: text (a CSV's cells, an Excel text cell), the value an
# Excel cell is typed with, or why an Excel cell has none.
CellValue = (
    str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | ExcelProblem | None
)


# NUL cannot be stored by PostgreSQL; a lone surrogate cannot be encoded at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A byte the file's encoding could not decode, kept by the "surrogateescape" handler.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# A letter beyond ASCII that UTF-8 decoded (not an escaped byte).
_DECODED_UTF8 = re.compile("[^\x00-\x7f\udc80-\udcff]")


def printable(text: str) -> str:
    """Text safe to show and to store in a message: each unstorable character as U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def cell_text(value: CellValue) -> str:
    """A cell as text: what a CSV would have held for it."""
    if value is None or isinstance(value, ExcelProblem):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        # A date cell is a datetime at midnight: shown as the date it is.
        midnight = value.time() == dt.time(0)
        return value.date().isoformat() if midnight else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@dataclass
class Cells:
    """One row being read. Each accessor returns a typed value or records an error.

    A cell holds text, or (from Excel) a typed value: a date cell is taken by `date()`, a
    number by `decimal()` and `integer()`, whatever its display format. A cell that cannot
    be stored or read (NUL, an undecodable byte, a formula never calculated) is an error of
    its own and reads as blank, without a second "required" error.
    """

    values: dict[str, CellValue]
    line: int
    errors: list[RowError] = field(default_factory=list)
    # The file's encoding, to say which one a byte is not text in.
    encoding: str = "UTF-8"
    _refused: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        for column, value in list(self.values.items()):
            message = None
            if isinstance(value, ExcelProblem):
                message = value.message
            elif isinstance(value, str) and _UNSTORABLE.search(value):
                escaped = _ESCAPED_BYTE.search(value)
                message = (
                    BAD_BYTE.format(byte=ord(escaped.group()) - 0xDC00, encoding=self.encoding)
                    if escaped
                    else UNSTORABLE
                )
            if message is not None:
                self.error(column, message)
                self._refused.add(column)
                self.values[column] = None

    def _raw(self, column: str, required: bool) -> str | None:
        value = cell_text(self.values.get(column)).strip()
        if not value:
            if required and column not in self._refused:
                self.error(column, REQUIRED)
            return None
        return value

    def _typed(self, column: str) -> CellValue:
        """The cell's value when Excel typed it (not text), else None."""
        value = self.values.get(column)
        return None if value is None or isinstance(value, str) else value

    def is_blank(self, column: str) -> bool:
        return not cell_text(self.values.get(column)).strip()

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self._raw(column, required) or ""
        if len(value) > max_length:
            self.error(column, f"longer than {max_length} characters")
        return value

    def email(self, column: str, *, required: bool = True) -> str:
        value = self._raw(column, required)
        if value is None:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            self.error(column, BAD_EMAIL)
        return value.lower()

    def emails(self, column: str, *, required: bool = True, sep: str = ";") -> list[str]:
        value = self._raw(column, required)
        if value is None:
            return []
        out = []
        for part in (p.strip() for p in value.split(sep)):
            if not part:
                continue
            try:
                validate_email(part)
            except ValidationError:
                self.error(column, f"{part!r}: {BAD_EMAIL}")
            out.append(part.lower())
        return out

    def slug(self, column: str, *, required: bool = False) -> str:
        value = self._raw(column, required)
        if value is None:
            return ""
        try:
            validate_slug(value)
        except ValidationError:
            self.error(column, BAD_SLUG)
        return value

    def choice(self, column: str, choices: Iterable[str], *, required: bool = False) -> str:
        value = self._raw(column, required)
        if value is None:
            return ""
        allowed = list(choices)
        if value not in allowed:
            self.error(column, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    def choices(
        self, column: str, choices: Iterable[str], *, required: bool = False, sep: str = ";"
    ) -> list[str]:
        value = self._raw(column, required)
        if value is None:
            return []
        allowed = list(choices)
        picked = [p.strip() for p in value.split(sep) if p.strip()]
        for p in picked:
            if p not in allowed:
                self.error(column, f"{p!r} is not one of: {', '.join(allowed)}")
        return picked

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        typed = self._typed(column)
        if isinstance(typed, dt.datetime):
            # Excel keeps a date as a date and time; the day is what it shows.
            return typed.date()
        if isinstance(typed, dt.date):
            return typed
        if typed is not None:
            self.error(column, BAD_DATE)
            return None
        value = self._raw(column, required)
        if value is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.error(column, BAD_DATE)
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(column, f"{value!r} is not a real date")
            return None

    def time(self, column: str, *, required: bool = False) -> dt.time | None:
        typed = self._typed(column)
        if isinstance(typed, dt.datetime):
            return typed.time()
        if isinstance(typed, dt.time):
            return typed
        if isinstance(typed, dt.date):
            self.error(column, DATE_AND_TIME)
            return None
        if typed is not None:
            self.error(column, BAD_TIME)
            return None
        value = self._raw(column, required)
        if value is None:
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            self.error(column, BAD_TIME)
            return None

    def _typed_number(self, column: str, message: str) -> Decimal | Literal[False] | None:
        """An Excel number as a Decimal; None when the cell is text (read it as text);
        False when it holds something else (the error is recorded)."""
        typed = self._typed(column)
        if typed is None:
            return None
        if isinstance(typed, bool) or not isinstance(typed, int | float | Decimal):
            self.error(column, message)
            return False
        # repr: the shortest text that reads back as the same float (7.5, not 7.4999...).
        return Decimal(repr(typed)) if isinstance(typed, float) else Decimal(typed)

    def decimal(
        self,
        column: str,
        *,
        required: bool = False,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        typed = self._typed_number(column, BAD_NUMBER)
        if typed is False:
            return None
        if typed is not None:
            number = typed
        else:
            value = self._raw(column, required)
            if value is None:
                return None
            try:
                number = Decimal(value)
            except InvalidOperation:
                self.error(column, BAD_NUMBER)
                return None
        if not number.is_finite():
            self.error(column, BAD_NUMBER)
            return None
        if minimum is not None and number < minimum:
            self.error(column, f"must be at least {minimum}")
        if maximum is not None and number > maximum:
            self.error(column, f"must be at most {maximum}")
        return number

    def integer(
        self,
        column: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        typed = self._typed_number(column, BAD_WHOLE_NUMBER)
        if typed is False:
            return None
        if typed is not None:
            if not typed.is_finite() or typed != typed.to_integral_value():
                self.error(column, BAD_WHOLE_NUMBER)
                return None
            number = int(typed)
        else:
            value = self._raw(column, required)
            if value is None:
                return None
            if not re.fullmatch(r"-?\d+", value):
                self.error(column, BAD_WHOLE_NUMBER)
                return None
            number = int(value)
        if minimum is not None and number < minimum:
            self.error(column, f"must be at least {minimum}")
        if maximum is not None and number > maximum:
            self.error(column, f"must be at most {maximum}")
        return number


@dataclass(frozen=True)
class ImportFile:
    """An uploaded or named file as bytes, with what the person said about it."""

    data: bytes
    name: str
    encoding: str | None = None  # None: detect
    sheet: str | None = None  # XLSX only; None: the first sheet


@dataclass
class Table:
    """A file read as rows of cells, before any column is interpreted."""

    header_line: int
    header: list[str]
    # (line as the person sees it, the row's cells in the order of the header)
    rows: list[tuple[int, list[CellValue]]]
    encoding: str = "UTF-8"
    excel: bool = False

    def position(self, index: int) -> str:
        """A column's place as the person's program names it: a letter in Excel."""
        return get_column_letter(index + 1) if self.excel else str(index + 1)


DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Sheet XML packs 5 to 30 times, very regular sheets up to a few hundred times; a zip bomb
# thousands of times. Only parts over a megabyte are judged, so small ones never trip it.
MAX_COMPRESSION_RATIO = 400
_RATIO_JUDGED_ABOVE = 1024 * 1024
MAX_WORKBOOK_PARTS = 10_000
# The encodings found out without being told: what Excel and its users save CSV as.
DETECTED_ENCODINGS = ("utf_8", "utf_16", "cp1252")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and other Office 97-2003 files


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES))


def _refuse(message: str, line: int = 0) -> ImportFailed:
    return ImportFailed([RowError(line, "", message, whole_file=True)])


def read_table(upload: ImportFile) -> Table:
    """The file as a table, or ImportFailed saying why it cannot be read at all. The size
    caps are checked before anything is parsed."""
    limit = max_bytes()
    if len(upload.data) > limit:
        raise _refuse(FILE_TOO_LARGE.format(mb=limit // (1024 * 1024)))
    name = upload.name.lower()
    if upload.data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _xlsx_table(upload)
    if upload.data[:8] == _OLE_MAGIC or name.endswith(".xls"):
        raise _refuse(OLD_EXCEL)
    if name.endswith((".ods", ".numbers", ".pdf", ".doc", ".docx")):
        raise _refuse(NOT_A_SPREADSHEET)
    text, encoding = _decode(upload.data, upload.encoding)
    return _csv_table(text, encoding)


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text and the name of its encoding. An undecodable byte is kept as an escape
    (surrogateescape), so it is reported in its own cell, on its own line."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise _refuse(UNKNOWN_ENCODING.format(encoding=printable(encoding))) from None
        if name == "utf-8":
            name = "utf-8-sig"  # an explicit UTF-8 still drops the byte-order mark
    else:
        name = _detect(data)
    try:
        text = data.decode(name, errors="surrogateescape")
    except UnicodeDecodeError as exc:
        # surrogateescape keeps only bytes from 0x80 (UTF-16's odd last byte, say).
        line = data[: exc.start].decode(name, errors="replace").count("\n") + 1
        byte = data[exc.start]
        raise _refuse(BAD_BYTE.format(byte=byte, encoding=_encoding_label(name)), line) from None
    return text, _encoding_label(name)


def _detect(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    # Text that is UTF-8 in places (é as two bytes) with one byte that is not is a UTF-8
    # file with a bad byte, not Windows-1252: reading it as that would garble every
    # accented letter, so the byte is reported instead.
    escaped = data.decode("utf-8", errors="surrogateescape")
    if _DECODED_UTF8.search(escaped):
        return "utf-8"
    best = from_bytes(data, cp_isolation=list(DETECTED_ENCODINGS)).best()
    if best is None:
        return "utf-8"  # each byte that is not UTF-8 is reported where it is
    return codecs.lookup(best.encoding).name


def _encoding_label(name: str) -> str:
    return {
        "utf-8": "UTF-8",
        "utf-8-sig": "UTF-8",
        "utf-16": "UTF-16",
        "cp1252": "Windows-1252",
    }.get(name, name)


def _csv_table(text: str, encoding: str = "UTF-8") -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[CellValue]]] = []
    limit = max_rows()
    try:
        for raw in reader:
            if header is None:
                if not any(c.strip() for c in raw):
                    continue
                header, header_line = [c.strip() for c in raw], reader.line_num
                continue
            if not any(c.strip() for c in raw):
                continue  # blank lines, at the end of spreadsheets mostly
            if len(rows) >= limit:
                raise _refuse(TOO_MANY_ROWS.format(rows=limit))
            rows.append((reader.line_num, list(raw)))
    except csv.Error as exc:
        raise _refuse(f"{UNREADABLE} ({printable(str(exc))})", reader.line_num) from None
    if header is None:
        raise _refuse(NO_HEADER, 1)
    return Table(header_line=header_line, header=header, rows=rows, encoding=encoding)


def _check_archive(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack too large, before unpacking any: the
    sizes the archive declares bind zipfile, which reads no more than declared."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _refuse(NOT_XLSX) from None
    if len(parts) > MAX_WORKBOOK_PARTS:
        raise _refuse(NOT_XLSX)
    limit = max_unpacked_bytes()
    if sum(part.file_size for part in parts) > limit:
        raise _refuse(UNPACKED_TOO_LARGE.format(mb=limit // (1024 * 1024)))
    for part in parts:
        if part.file_size > _RATIO_JUDGED_ABOVE and (
            part.file_size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1)
        ):
            raise _refuse(IMPLAUSIBLE_COMPRESSION)
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise _refuse(NOT_XLSX)


def _xlsx_table(upload: ImportFile) -> Table:
    _check_archive(upload.data)
    try:
        # With data_only, the value Excel saved for each formula. A workbook with formulas
        # is read a second time, side by side, to know which cells are formulas: one never
        # calculated (saved by a program, not Excel) has no value, and is refused.
        values = load_workbook(io.BytesIO(upload.data), read_only=True, data_only=True)
        formulas = (
            load_workbook(io.BytesIO(upload.data), read_only=True, data_only=False)
            if _has_formulas(upload.data)
            else None
        )
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean "not read"
        raise _refuse(NOT_XLSX) from None
    try:
        return _sheet_table(values, formulas, upload.sheet)
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula (an <f> element), read in chunks: the sizes were
    checked by `_check_archive` first."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.infolist():
            if not part.filename.startswith("xl/worksheets/"):
                continue
            with archive.open(part) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _sheet_table(values: Any, formulas: Any, sheet: str | None) -> Table:
    if sheet:
        if sheet not in values.sheetnames:
            names = ", ".join(printable(n) for n in values.sheetnames)
            raise _refuse(NO_SUCH_SHEET.format(sheet=printable(sheet), sheets=names))
        sheet_values = values[sheet]
        sheet_formulas = formulas[sheet] if formulas is not None else None
    elif values.worksheets:
        sheet_values = values.worksheets[0]
        sheet_formulas = formulas.worksheets[0] if formulas is not None else None
    else:
        raise _refuse(NOT_XLSX)
    if not hasattr(sheet_values, "iter_rows"):
        raise _refuse(NOT_XLSX)  # a chart sheet
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[CellValue]]] = []
    limit = max_rows()
    try:
        pairs: Iterator[tuple[Any, Any]] = zip(
            sheet_values.iter_rows(min_row=1),
            sheet_formulas.iter_rows(min_row=1) if sheet_formulas is not None else _no_rows(),
            strict=False,
        )
        # Rows are numbered as Excel numbers them; the empty rows between are given too.
        for line, (row, formula_row) in enumerate(pairs, start=1):
            cells: list[CellValue] = [
                _excel_cell(c, f) for c, f in itertools.zip_longest(row, formula_row or ())
            ]
            while cells and cells[-1] is None:
                cells.pop()
            if not any(isinstance(c, ExcelProblem) or cell_text(c).strip() for c in cells):
                continue
            if header is None:
                header, header_line = [cell_text(c).strip() for c in cells], line
                continue
            if len(rows) >= limit:
                raise _refuse(TOO_MANY_ROWS.format(rows=limit))
            rows.append((line, cells))
    except ImportFailed:
        raise
    except Exception:  # a sheet that openpyxl cannot parse half-way through
        raise _refuse(NOT_XLSX) from None
    if header is None:
        raise _refuse(NO_HEADER, 1)
    return Table(header_line=header_line, header=header, rows=rows, encoding="", excel=True)


def _no_rows() -> Iterator[None]:
    """Stands in for the formulas of a workbook that has none."""
    while True:
        yield None


def _excel_cell(cell: Any, formula: Any) -> CellValue:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "e":
        return ExcelProblem(EXCEL_ERROR.format(value=printable(str(value))))
    if value is None and getattr(formula, "data_type", None) == "f":
        return ExcelProblem(FORMULA_WITHOUT_VALUE)
    return value


PREVIEW_ROWS = 20


@dataclass
class ImportCheck:
    """What an import would do, found by running it and rolling it back: nothing is kept."""

    header: list[str] = field(default_factory=list)
    # The first PREVIEW_ROWS rows as they were read: (line, {column: value}).
    preview: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    result: ImportResult | None = None  # the counts it would have; None when it would fail

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvImporter(Generic[RowT]):
    """Subclass with `columns`, `parse()` and `write()`; optionally `key()` for duplicates.

    To offer the kind on the Import page, set `kind`, `label`, `column_help` and
    `example_row`, and call `register_import(cls)` in the app's `ready()`.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # What each column means, in the words a program manager uses.
    column_help: ClassVar[dict[str, str]] = {}
    # One example row for the downloadable template.
    example_row: ClassVar[dict[str, str]] = {}
    columns: ClassVar[tuple[str, ...]]
    # Columns added after files were already in use: a header without them reads them as
    # blank (a row that needs one says so), so last year's files keep loading.
    optional_columns: ClassVar[tuple[str, ...]] = ()
    key_description: ClassVar[str] = "row"
    # The columns `key()` is made of: a duplicated row, or a problem with the row as a
    # whole, is reported in them.
    key_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, organization: Organization, actor: User | None = None) -> None:
        self.organization = organization
        self.actor = actor

    def parse(self, cells: Cells) -> RowT:
        raise NotImplementedError

    def key(self, row: RowT) -> object | None:
        """The row's natural key; two rows with the same key in one file are an error."""
        return None

    def check(self, rows: list[tuple[int, RowT]]) -> list[RowError]:
        """Checks that need the database or several rows; runs after every row parsed."""
        return []

    def write(self, row: RowT) -> Outcome:
        raise NotImplementedError

    def known_columns(self) -> tuple[str, ...]:
        """Every column the kind reads, in the order of its template."""
        return tuple(dict.fromkeys((*self.columns, *self.optional_columns)))

    def check_file(self, upload: ImportFile) -> ImportCheck:
        """Everything `run_file` would do, rolled back: the preview, every problem, the counts."""
        check = ImportCheck()
        try:
            table = read_table(upload)
        except ImportFailed as failed:
            check.errors = failed.errors
            return check
        check.header, check.preview = _preview(table)
        try:
            with transaction.atomic():
                check.result = self.run_table(table)
                transaction.set_rollback(True)
        except ImportFailed as failed:
            check.errors = failed.errors
            check.result = None
        return check

    def run_file(
        self, upload: ImportFile, progress: Callable[[int, int], None] | None = None
    ) -> ImportResult:
        """Import the file, all rows or none (raises ImportFailed)."""
        return self.run_table(read_table(upload), progress)

    def run(self, stream: TextIO) -> ImportResult:
        """Import CSV text already decoded."""
        return self.run_table(_csv_table(stream.read()))

    def run_table(
        self, table: Table, progress: Callable[[int, int], None] | None = None
    ) -> ImportResult:
        rows, errors = self._parse_all(table)
        errors.extend(self._duplicates(rows))
        # Rows that parsed are checked against the database too, so one run reports every
        # problem in the file, not just the first kind.
        errors.extend(self.check(rows))
        if errors:
            raise ImportFailed(errors)
        result = ImportResult()
        with transaction.atomic():
            for done, (line, row) in enumerate(rows, start=1):
                try:
                    outcome = self.write(row)
                except ValidationError as exc:
                    errors.extend(_validation_errors(line, exc, self.row_column()))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
                if progress is not None:
                    progress(done, len(rows))
            if errors:
                transaction.set_rollback(True)
        if errors:
            raise ImportFailed(errors)
        return result

    def header_errors(self, table: Table) -> list[RowError]:
        """Every column named once, each one the kind knows, none it needs missing."""
        known = self.known_columns()
        line = table.header_line
        errors = []
        seen: set[str] = set()
        for name in table.header:
            if not name:
                continue  # a column with no name: only its values are a problem
            if name in seen:
                shown = _shown(name)
                errors.append(RowError(line, shown, DUPLICATE_COLUMN.format(name=shown)))
                continue
            seen.add(name)
            if name not in known:
                errors.append(RowError(line, _shown(name), _unknown(_shown(name), known)))
        missing = [c for c in self.columns if c not in seen and c not in self.optional_columns]
        errors.extend(RowError(line, c, MISSING_COLUMN) for c in missing)
        return errors

    def _parse_all(self, table: Table) -> tuple[list[tuple[int, RowT]], list[RowError]]:
        errors = self.header_errors(table)
        if errors:
            return [], errors
        header = table.header
        rows: list[tuple[int, RowT]] = []
        for line, raw in table.rows:
            values: dict[str, CellValue] = {}
            stray: list[int] = []
            for index, value in enumerate(raw):
                name = header[index] if index < len(header) else ""
                if name:
                    values[name] = value
                elif isinstance(value, ExcelProblem) or cell_text(value).strip():
                    stray.append(index)
            cells = Cells(values=values, line=line, encoding=table.encoding or "UTF-8")
            for index in stray:
                cells.error(
                    table.position(index),
                    VALUE_WITHOUT_COLUMN,
                )
            parsed = self.parse(cells)
            if cells.errors:
                errors.extend(cells.errors)
            else:
                rows.append((line, parsed))
        return rows, errors

    def row_column(self) -> str:
        """Where a problem with the row as a whole is reported: the columns of its key."""
        return ", ".join(self.key_columns)

    def _duplicates(self, rows: list[tuple[int, RowT]]) -> list[RowError]:
        seen: dict[object, int] = {}
        errors = []
        for line, row in rows:
            key = self.key(row)
            if key is None:
                continue
            if key in seen:
                errors.append(
                    RowError(
                        line,
                        self.row_column(),
                        DUPLICATE_IN_FILE.format(what=self.key_description, line=seen[key]),
                    )
                )
            else:
                seen[key] = line
        return errors


def _shown(name: str) -> str:
    """A header cell as a message names it: storable, and short (a file that is not a
    spreadsheet at all has its first line as one "column")."""
    name = printable(name)
    return name if len(name) <= 60 else name[:59] + "…"


def _unknown(name: str, known: tuple[str, ...]) -> str:
    by_case = [k for k in known if k.lower() == name.lower()]
    match = by_case or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if match:
        return UNKNOWN_COLUMN.format(name=name, match=match[0])
    return UNKNOWN_COLUMN_NO_MATCH.format(name=name, known=", ".join(known))


def _preview(table: Table) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the first rows as text that can be shown and stored."""
    header = [printable(h) for h in table.header]
    preview = []
    for line, raw in table.rows[:PREVIEW_ROWS]:
        values = {
            name: printable(cell_text(value))
            for name, value in zip(header, raw, strict=False)
            if name
        }
        preview.append((line, values))
    return header, preview


# The kinds offered on the Import page, by `kind`; each app registers its own in `ready()`.
IMPORT_KINDS: dict[str, type[CsvImporter[Any]]] = {}


def register_import(importer: type[CsvImporter[Any]]) -> None:
    if not importer.kind or not importer.label:
        raise ValueError(f"{importer.__name__} needs a kind and a label to be offered")
    existing = IMPORT_KINDS.get(importer.kind)
    if existing is not None and existing is not importer:
        raise ValueError(f"two importers claim the kind {importer.kind!r}")
    IMPORT_KINDS[importer.kind] = importer


def _validation_errors(line: int, exc: ValidationError, row_column: str) -> list[RowError]:
    """A model's refusal at write time, by column; one about the row as a whole goes in the
    columns of the row's key."""
    if hasattr(exc, "error_dict"):
        return [
            RowError(line, row_column if col == "__all__" else col, " ".join(e.messages))
            for col, errs in exc.error_dict.items()
            for e in errs
        ]
    return [RowError(line, row_column, m) for m in exc.messages]


class ImportCommand(BaseCommand):
    """`manage.py import_<thing> --organization SLUG FILE`; exit 1 on any bad row. The file
    is CSV or Excel (.xlsx), read by the same rules as the Import page."""

    importer: type[CsvImporter[Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="the organization's slug")
        parser.add_argument(
            "--encoding",
            help="a CSV file's encoding, e.g. utf-8 or cp1252 (found out when not given)",
        )
        parser.add_argument("--sheet", help="an Excel file's sheet (the first when not given)")
        parser.add_argument("file", type=Path, help="CSV or Excel (.xlsx) file with a header row")

    def make_importer(self, organization: Organization, options: dict[str, Any]) -> Any:
        """The importer for this run; a command that names an actor resolves it here."""
        return self.importer(organization=organization)

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(NO_SUCH_ORGANIZATION.format(slug=options["organization"]))
        importer = self.make_importer(org, options)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        limit = max_bytes()
        # Before reading it: a file over the cap is never loaded.
        if path.stat().st_size > limit:
            raise CommandError(f"{path.name}: {FILE_TOO_LARGE.format(mb=limit // (1024 * 1024))}")
        encoding = options.get("encoding")
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise CommandError(UNKNOWN_ENCODING.format(encoding=encoding)) from None
        upload = ImportFile(
            data=path.read_bytes(),
            name=path.name,
            encoding=encoding or None,
            sheet=options.get("sheet") or None,
        )
        try:
            result = importer.run_file(upload)
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}: {failed}") from None
        self.stdout.write(self.style.SUCCESS(f"{path.name}: imported {result}"))
