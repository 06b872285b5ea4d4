"""The one CSV import mechanism every app uses.

An importer parses each row into a typed value, collecting every problem with its line and
column; then checks the file as a whole (duplicate keys); then, only if nothing is wrong,
writes all rows in one transaction. A failure while writing rolls everything back. Rows are
matched on a natural key or `external_id`, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TextIO, TypeVar

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug
from django.db import transaction

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
UNREADABLE = "the file could not be read as UTF-8 CSV"
# Every management command that takes --organization says this when there is none.
NO_SUCH_ORGANIZATION = "No organization with the slug {slug!r}."


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


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


@dataclass
class Cells:
    """One CSV row being read. Each accessor returns a typed value or records an error."""

    values: dict[str, str]
    line: int
    errors: list[RowError] = field(default_factory=list)

    def _raw(self, column: str, required: bool) -> str | None:
        value = (self.values.get(column) or "").strip()
        if not value:
            if required:
                self.error(column, REQUIRED)
            return None
        return value

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
        value = self._raw(column, required)
        if value is None:
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            self.error(column, BAD_TIME)
            return None

    def decimal(
        self,
        column: str,
        *,
        required: bool = False,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
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

    def check_file(self, upload: ImportFile) -> ImportCheck:
        """Everything `run_file` would do, rolled back: the preview, every problem, the counts."""
        check = ImportCheck()
        header, preview = _read_preview(upload)
        check.header, check.preview = header, preview
        try:
            with transaction.atomic():
                check.result = self.run_file(upload)
                transaction.set_rollback(True)
        except ImportFailed as failed:
            check.errors = failed.errors
            check.result = None
        return check

    def run_file(self, upload: ImportFile) -> ImportResult:
        """Import the file, all rows or none (raises ImportFailed)."""
        return self.run(_text_stream(upload))

    def run(self, stream: TextIO) -> ImportResult:
        rows, errors = self._parse_all(stream)
        errors.extend(self._duplicates(rows))
        # Rows that parsed are checked against the database too, so one run reports every
        # problem in the file, not just the first kind.
        errors.extend(self.check(rows))
        if errors:
            raise ImportFailed(errors)
        result = ImportResult()
        with transaction.atomic():
            for line, row in rows:
                try:
                    outcome = self.write(row)
                except ValidationError as exc:
                    errors.extend(_validation_errors(line, exc))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            if errors:
                transaction.set_rollback(True)
        if errors:
            raise ImportFailed(errors)
        return result

    def _parse_all(self, stream: TextIO) -> tuple[list[tuple[int, RowT]], list[RowError]]:
        try:
            reader = csv.DictReader(stream)
            header = [h.strip() for h in (reader.fieldnames or [])]
        except (UnicodeDecodeError, csv.Error):
            return [], [RowError(1, "", UNREADABLE)]
        missing = [c for c in self.columns if c not in header and c not in self.optional_columns]
        if missing:
            return [], [RowError(1, c, MISSING_COLUMN) for c in missing]
        reader.fieldnames = header
        rows: list[tuple[int, RowT]] = []
        errors: list[RowError] = []
        try:
            for raw in reader:
                line = reader.line_num
                values = {k: (v or "") for k, v in raw.items() if k is not None}
                if not any(v.strip() for v in values.values()):
                    continue  # blank lines at the end of spreadsheets
                cells = Cells(values=values, line=line)
                parsed = self.parse(cells)
                if cells.errors:
                    errors.extend(cells.errors)
                else:
                    rows.append((line, parsed))
        except (UnicodeDecodeError, csv.Error) as exc:
            errors.append(RowError(reader.line_num, "", f"{UNREADABLE} ({exc})"))
        return rows, errors

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
                        "",
                        DUPLICATE_IN_FILE.format(what=self.key_description, line=seen[key]),
                    )
                )
            else:
                seen[key] = line
        return errors


def _text_stream(upload: ImportFile) -> TextIO:
    import io

    try:
        # utf-8-sig: spreadsheets often save a byte-order mark at the start.
        text = upload.data.decode(upload.encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        raise ImportFailed([RowError(1, "", UNREADABLE)]) from None
    return io.StringIO(text, newline="")


def _read_preview(upload: ImportFile) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        stream = _text_stream(upload)
        reader = csv.DictReader(stream)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        preview = []
        for raw in reader:
            values = {k: (v or "") for k, v in raw.items() if k is not None}
            if not any(v.strip() for v in values.values()):
                continue
            preview.append((reader.line_num, values))
            if len(preview) >= PREVIEW_ROWS:
                break
    except (ImportFailed, UnicodeDecodeError, csv.Error):
        return [], []
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


def _validation_errors(line: int, exc: ValidationError) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(line, "" if col == "__all__" else col, " ".join(e.messages))
            for col, errs in exc.error_dict.items()
            for e in errs
        ]
    return [RowError(line, "", m) for m in exc.messages]


class ImportCommand(BaseCommand):
    """`manage.py import_<thing> --organization SLUG FILE.csv`; exit 1 on any bad row."""

    importer: type[CsvImporter[Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="the organization's slug")
        parser.add_argument("file", type=Path, help="CSV file with a header row")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(NO_SUCH_ORGANIZATION.format(slug=options["organization"]))
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        importer = self.importer(organization=org)
        upload = ImportFile(data=path.read_bytes(), name=path.name)
        try:
            result = importer.run_file(upload)
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}: {failed}") from None
        self.stdout.write(self.style.SUCCESS(f"{path.name}: imported {result}"))
