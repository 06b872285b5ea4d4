"""What the one import mechanism (programs.imports) makes of a file, for every import kind:
its columns, its encoding, Excel workbooks, the caps checked before parsing, and the cells
the database cannot store. Each refusal writes nothing; the same file twice changes nothing."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import struct
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from certification.models import CeuEntry
from programs.import_runs import importer_columns
from programs.imports import (
    BAD_BYTE,
    BAD_DATE,
    DUPLICATE_COLUMN,
    FILE_TOO_LARGE,
    FORMULA_WITHOUT_VALUE,
    IMPLAUSIBLE_COMPRESSION,
    IMPORT_KINDS,
    MISSING_COLUMN,
    NO_SUCH_SHEET,
    TOO_MANY_ROWS,
    UNKNOWN_COLUMN,
    UNKNOWN_COLUMN_NO_MATCH,
    UNKNOWN_ENCODING,
    UNPACKED_TOO_LARGE,
    UNSTORABLE,
    VALUE_WITHOUT_COLUMN,
    ImportFailed,
    ImportFile,
    RowError,
)
from programs.models import ImportRun, ImportStatus, Membership, Role
from supervision.models import HoursWorked

pytestmark = pytest.mark.django_db

KINDS = sorted(IMPORT_KINDS)
CEU_HEADER = ["peer_email", "date", "hours", "title", "provider", "topic"]
TITLE = "Café ethics \u2013 boundaries"  # é and an en dash: Windows-1252 has both


def test_every_import_kind_is_registered_so_the_tests_below_cover_it():
    assert {"staff", "encounters", "ceus", "hours", "supervision"} <= set(KINDS)


@pytest.fixture
def peer(org: Any, member_of: Any) -> Membership:
    return member_of(org, Role.PEER_SUPPORTER)


def _row_counts() -> dict[str, int]:
    """Rows in every table: "nothing written" means none of them changed."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def _valid_row(kind: str, org: Any, member_of: Any, program_in: Any) -> dict[str, str]:
    """The kind's template row with its references replaced by this organization's own."""
    from supervision.services.supervisors import supervisor_profile_save

    program = program_in(org, slug="recovery-coaching")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program])
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program])
    supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type="psychologist",
        license_number="PSY-1",
        licensed_on=dt.date(2010, 1, 1),
    )
    overrides = {
        "encounters": {"peer_email": peer.user.email, "program": program.slug},
        "ceus": {"peer_email": peer.user.email},
        "hours": {"peer_email": peer.user.email},
        "supervision": {
            "supervisor_email": supervisor.user.email,
            "supervisee_emails": peer.user.email,
        },
    }.get(kind, {})
    importer = IMPORT_KINDS[kind](organization=org)
    return {
        c: overrides.get(c, importer.example_row.get(c, "")) for c in importer_columns(importer)
    }


def _csv(header: list[str], *rows: list[str]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _xlsx(*rows: list[Any], sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Data"
    for row in rows:
        first.append(row)
    for name, sheet_rows in (sheets or {}).items():
        sheet = book.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run(kind: str, org: Any, data: bytes, name: str = "f.csv", **kw: Any) -> Any:
    return IMPORT_KINDS[kind](organization=org).run_file(ImportFile(data=data, name=name, **kw))


def _errors(kind: str, org: Any, data: bytes, name: str = "f.csv", **kw: Any) -> list[RowError]:
    with pytest.raises(ImportFailed) as failed:
        _run(kind, org, data, name, **kw)
    return failed.value.errors


# ----- the header row, for every kind --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_column_is_named_with_the_nearest_known_one_and_nothing_is_written(
    org, member_of, program_in, kind
):
    row = _valid_row(kind, org, member_of, program_in)
    header = list(row)
    # A misspelt optional or trailing column: its data would have been lost.
    typo = header[-1] + "s"
    data = _csv([*header[:-1], typo], list(row.values())).encode()
    before = _row_counts()
    errors = _errors(kind, org, data)
    assert RowError(1, typo, UNKNOWN_COLUMN.format(name=typo, match=header[-1])) in errors
    assert _row_counts() == before
    # The same row with the column spelt right is imported: the refusal was the column's.
    assert _run(kind, org, _csv(header, list(row.values())).encode()).created == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_nothing_like_a_known_one_lists_the_columns(org, member_of, program_in, kind):
    row = _valid_row(kind, org, member_of, program_in)
    data = _csv([*row, "zzqv"], [*row.values(), "x"]).encode()
    before = _row_counts()
    known = ", ".join(importer_columns(IMPORT_KINDS[kind](organization=org)))
    assert _errors(kind, org, data) == [
        RowError(1, "zzqv", UNKNOWN_COLUMN_NO_MATCH.format(name="zzqv", known=known))
    ]
    assert _row_counts() == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_duplicated_column_is_refused_and_nothing_is_written(org, member_of, program_in, kind):
    row = _valid_row(kind, org, member_of, program_in)
    first = next(iter(row))
    data = _csv([*row, first], [*row.values(), row[first]]).encode()
    before = _row_counts()
    assert _errors(kind, org, data) == [RowError(1, first, DUPLICATE_COLUMN.format(name=first))]
    assert _row_counts() == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_nul_or_a_lone_surrogate_in_a_cell_is_an_error_at_its_line_and_column(
    org, member_of, program_in, kind
):
    row = _valid_row(kind, org, member_of, program_in)
    column = next(c for c, v in row.items() if v)
    before = _row_counts()
    for bad in ("\x00", "\ud800"):
        broken = {**row, column: row[column][:1] + bad + row[column][1:]}
        text = _csv(list(row), list(row.values()), list(broken.values()))
        importer = IMPORT_KINDS[kind](organization=org)
        with pytest.raises(ImportFailed) as failed:
            importer.run(io.StringIO(text))
        # Only the broken cell: it reads as blank without a second "required" error.
        assert failed.value.errors == [RowError(3, column, UNSTORABLE)], bad
    assert _row_counts() == before


def test_a_missing_column_a_value_under_no_column_and_extra_cells_are_said(org, peer):
    errors = _errors("ceus", org, _csv(CEU_HEADER[:-1], ["x"]).encode())
    assert errors == [RowError(1, "topic", MISSING_COLUMN)]

    good = [peer.user.email, "2025-01-02", "1", TITLE, "", ""]
    data = _csv([*CEU_HEADER, ""], [*good, ""], [*good[:3], "Other", "", "", "stray"]).encode()
    # A trailing column with no name is fine while it is empty; a value in it is not lost.
    assert _errors("ceus", org, data) == [RowError(3, "7", VALUE_WITHOUT_COLUMN)]
    beyond = _csv(CEU_HEADER, [*good[:3], "Other", "", "", "past the header"]).encode()
    assert _errors("ceus", org, beyond) == [RowError(2, "7", VALUE_WITHOUT_COLUMN)]
    assert not CeuEntry.objects.exists()


# ----- encodings ------------------------------------------------------------------------------


def _ceu_csv(peer: Membership, title: str = TITLE) -> str:
    return _csv(CEU_HEADER, [peer.user.email, "2025-01-02", "1.5", title, "Mnt Peer Net", ""])


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16 with BOM"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("cp1252"), id="windows-1252"),
    ],
)
def test_each_encoding_excel_writes_is_found_out_and_read_letter_for_letter(
    org, peer, tmp_path, encode
):
    path = tmp_path / "ceus.csv"
    path.write_bytes(encode(_ceu_csv(peer)))
    out = io.StringIO()
    call_command("import_ceus", "--organization", org.slug, str(path), stdout=out)
    assert "1 created" in out.getvalue()
    assert CeuEntry.objects.get().title == TITLE
    call_command("import_ceus", "--organization", org.slug, str(path), stdout=out)
    assert "1 unchanged" in out.getvalue() and CeuEntry.objects.count() == 1


def test_an_encoding_can_be_given_and_a_wrong_one_is_refused(org, peer, tmp_path):
    path = tmp_path / "ceus.csv"
    # Latin-1 and Windows-1252 agree on é; the dash is not in Latin-1.
    path.write_bytes(_ceu_csv(peer, "Café ethics").encode("latin-1"))
    call_command("import_ceus", "--organization", org.slug, "--encoding", "latin-1", str(path))
    assert CeuEntry.objects.get().title == "Café ethics"
    with pytest.raises(CommandError, match=re.escape(UNKNOWN_ENCODING.format(encoding="klingon"))):
        call_command("import_ceus", "--organization", org.slug, "--encoding", "klingon", str(path))


def test_a_byte_that_is_not_text_is_reported_on_its_own_line_and_column(org, peer, tmp_path):
    # UTF-8 with é on line 2 and a byte UTF-8 and Windows-1252 both refuse on line 3.
    text = _csv(
        CEU_HEADER,
        [peer.user.email, "2025-01-02", "1", TITLE, "", ""],
        [peer.user.email, "2025-01-03", "1", "Second XX", "", ""],
    )
    data = text.encode().replace(b"XX", b"\x81")
    assert _errors("ceus", org, data) == [
        RowError(3, "title", BAD_BYTE.format(byte=0x81, encoding="UTF-8"))
    ]
    # A Windows-1252 é read as UTF-8 because the person said so: line 3 too, not line 1.
    data = text.replace("XX", "é").encode("cp1252")
    path = tmp_path / "ceus.csv"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_ceus", "--organization", org.slug, "--encoding", "utf-8", str(path), stderr=err
        )
    # Line 2's title has é and an en dash in Windows-1252 as well.
    assert err.getvalue().splitlines() == [
        f"line 2, column title: {BAD_BYTE.format(byte=0xE9, encoding='UTF-8')}",
        f"line 3, column title: {BAD_BYTE.format(byte=0xE9, encoding='UTF-8')}",
    ]
    assert not CeuEntry.objects.exists()


def test_a_utf8_file_with_one_stray_byte_is_not_read_as_windows_1252(org, peer):
    # Reading it as Windows-1252 would import "CafÃ©" on line 2: the stray byte is said.
    text = _csv(
        CEU_HEADER,
        [peer.user.email, "2025-01-02", "1", TITLE, "", ""],
        [peer.user.email, "2025-01-03", "1", "Second XX", "", ""],
    )
    data = text.encode().replace(b"XX", b"\xe9")
    assert _errors("ceus", org, data) == [
        RowError(3, "title", BAD_BYTE.format(byte=0xE9, encoding="UTF-8"))
    ]
    assert not CeuEntry.objects.exists()


# ----- Excel workbooks ---------------------------------------------------------------------


def test_excel_typed_dates_and_numbers_are_taken_as_such_on_excels_row_numbers(org, peer):
    data = _xlsx(
        CEU_HEADER,
        [peer.user.email, dt.datetime(2025, 1, 2), 1.5, TITLE, "Net", None],
        [],  # an empty row: the next one is row 4, as Excel shows it
        [peer.user.email, dt.date(2025, 1, 3), 2, "Second", 1042, None],
        [peer.user.email, 45678, 1, "A date typed as a number", None, None],
    )
    errors = _errors("ceus", org, data, name="ceus.xlsx")
    assert errors == [RowError(5, "date", BAD_DATE)]
    data = _xlsx(*_xlsx_rows(peer))
    result = _run("ceus", org, data, name="ceus.xlsx")
    assert result.created == 2
    entries = CeuEntry.objects.order_by("date")
    assert [(e.date, e.hours, e.title, e.provider) for e in entries] == [
        (dt.date(2025, 1, 2), Decimal("1.50"), TITLE, "Net"),
        (dt.date(2025, 1, 3), Decimal("2.00"), "Second", "1042"),
    ]


def _xlsx_rows(peer: Membership) -> list[list[Any]]:
    return [
        CEU_HEADER,
        [peer.user.email, dt.datetime(2025, 1, 2), 1.5, TITLE, "Net", None],
        [],
        [peer.user.email, dt.date(2025, 1, 3), 2, "Second", 1042, None],
    ]


def test_excel_times_and_whole_numbers_are_read_by_the_encounter_import(org, member_of, program_in):
    row = _valid_row("encounters", org, member_of, program_in)
    typed = {**row, "date": dt.date(2025, 2, 14), "start_time": dt.time(10, 30)}
    typed["duration_minutes"] = 45.0  # Excel keeps every number as a float
    _run("encounters", org, _xlsx(list(typed), list(typed.values())), name="e.xlsx")
    from encounters.models import Encounter

    encounter = Encounter.objects.get()
    assert encounter.duration_minutes == 45
    half = {**typed, "external_id": "other", "duration_minutes": 45.5}
    errors = _errors("encounters", org, _xlsx(list(half), list(half.values())), name="e.xlsx")
    assert [(e.line, e.column) for e in errors] == [(2, "duration_minutes")]


def test_the_same_workbook_twice_changes_nothing(org, peer, tmp_path):
    path = tmp_path / "ceus.xlsx"
    path.write_bytes(_xlsx(*_xlsx_rows(peer)))
    out = io.StringIO()
    call_command("import_ceus", "--organization", org.slug, str(path), stdout=out)
    before = _row_counts()
    call_command("import_ceus", "--organization", org.slug, str(path), stdout=out)
    assert "2 unchanged" in out.getvalue()
    assert _row_counts() == before


def test_a_sheet_is_chosen_by_name_and_an_unknown_one_lists_the_sheets(org, peer, tmp_path):
    path = tmp_path / "ceus.xlsx"
    path.write_bytes(_xlsx(["Read me first"], sheets={"CEUs": _xlsx_rows(peer)}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ceus", "--organization", org.slug, str(path), stderr=err)
    assert "line 1, column Read me first: column `Read me first` is not known" in err.getvalue()
    call_command("import_ceus", "--organization", org.slug, "--sheet", "CEUs", str(path))
    assert CeuEntry.objects.count() == 2
    errors = _errors("ceus", org, path.read_bytes(), name="c.xlsx", sheet="Hours")
    assert errors == [RowError(0, "", NO_SUCH_SHEET.format(sheet="Hours", sheets="Data, CEUs"))]


def test_a_formula_counts_by_its_saved_value_and_one_never_calculated_is_refused(org, peer):
    rows = _xlsx_rows(peer)
    rows[1][2] = "=0.5+1"  # openpyxl saves the formula without a value
    data = _xlsx(*rows)
    assert _errors("ceus", org, data, name="c.xlsx") == [
        RowError(2, "hours", FORMULA_WITHOUT_VALUE)
    ]
    # What Excel writes: the formula and the value it last calculated.
    saved = _rewrite_part(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb"<f>0.5\+1</f>(<v\s*/>|<v></v>)?", b"<f>0.5+1</f><v>1.5</v>", xml),
    )
    _run("ceus", org, saved, name="c.xlsx")
    assert CeuEntry.objects.get(date=dt.date(2025, 1, 2)).hours == Decimal("1.5")


def _rewrite_part(data: bytes, name: str, change: Any) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


def test_the_import_page_takes_a_workbook(org, member_of, peer, client_for):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    page = client.get(reverse("import_page")).content.decode()
    assert ".xlsx" in page
    data = _xlsx(
        ["peer_email", "date", "hours"],
        [peer.user.email, dt.datetime(2025, 1, 2), 7.5],
        [peer.user.email, dt.datetime(2025, 1, 3), 8],
    )
    upload = SimpleUploadedFile("hours.xlsx", data)
    client.post(reverse("import_page"), {"kind": "hours", "file": upload})
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.CHECKED and run.errors == []
    assert run.preview["rows"] == [
        [2, {"peer_email": peer.user.email, "date": "2025-01-02", "hours": "7.5"}],
        [3, {"peer_email": peer.user.email, "date": "2025-01-03", "hours": "8"}],
    ]
    client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTED and run.created == 2
    assert sorted(HoursWorked.objects.values_list("hours", flat=True)) == [
        Decimal("7.5"),
        Decimal("8"),
    ]


def test_a_nul_in_an_uploaded_file_is_a_problem_on_the_page_not_a_500(
    org, member_of, peer, client_for
):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    data = f"peer_email,date,hours\n{peer.user.email},2025-01-02,7\x005\n".encode()
    response = client.post(
        reverse("import_page"), {"kind": "hours", "file": SimpleUploadedFile("h.csv", data)}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.errors == [{"line": 2, "column": "hours", "message": UNSTORABLE}]
    assert "\x00" not in str(run.preview)


# ----- caps, checked before parsing --------------------------------------------------------


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(org, peer, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    data = _ceu_csv(peer).encode() + b"x" * (1024 * 1024)
    message = FILE_TOO_LARGE.format(mb=1)
    assert _errors("ceus", org, data) == [RowError(0, "", message)]
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_ceus", "--organization", org.slug, str(path))


@pytest.mark.parametrize("excel", [False, True], ids=["csv", "xlsx"])
def test_a_file_over_the_row_cap_is_refused_whole(org, peer, settings, excel):
    settings.IMPORT_MAX_ROWS = 3
    rows = [[peer.user.email, f"2025-01-0{d}", "1", "T", "", ""] for d in range(1, 5)]
    data = _xlsx(CEU_HEADER, *rows) if excel else _csv(CEU_HEADER, *rows).encode()
    name = "c.xlsx" if excel else "c.csv"
    assert _errors("ceus", org, data, name=name) == [RowError(0, "", TOO_MANY_ROWS.format(rows=3))]
    settings.IMPORT_MAX_ROWS = 4
    assert _run("ceus", org, data, name=name).created == 4


def _zip(*parts: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts:
            archive.writestr(name, body)
    return out.getvalue()


def test_a_zip_bomb_is_refused_without_being_unpacked(org, settings):
    # 20 MB of zeros packs into some 20 KB: a thousand to one.
    bomb = _zip(("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", bytes(20 << 20)))
    assert len(bomb) < 100_000
    assert _errors("ceus", org, bomb, name="b.xlsx") == [RowError(0, "", IMPLAUSIBLE_COMPRESSION)]

    # A part that declares 4 GB but holds a few bytes: the refusal rests on what the archive
    # declares (unpacking it would have found almost nothing).
    small = _zip(("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", b"<x/>"))
    lying = _declare_size(small, "xl/worksheets/sheet1.xml", 0xFFFF0000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/worksheets/sheet1.xml").file_size == (
        0xFFFF0000
    )
    assert _errors("ceus", org, lying, name="b.xlsx") == [
        RowError(0, "", UNPACKED_TOO_LARGE.format(mb=200))
    ]
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024
    real = _xlsx(CEU_HEADER)
    assert _errors("ceus", org, real, name="c.xlsx") == [
        RowError(0, "", UNPACKED_TOO_LARGE.format(mb=0))
    ]


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size in its central directory set to `size`."""
    raw = bytearray(data)
    encoded = name.encode()
    at = raw.find(b"PK\x01\x02")  # the first central directory entry
    while at != -1:
        name_length = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46 : at + 46 + name_length]) == encoded:
            struct.pack_into("<I", raw, at + 24, size)
            return bytes(raw)
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"no central directory entry for {name}")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)),
        ("broken.xlsx", b"PK\x03\x04 not really"),
        ("letter.docx", _zip(("word/document.xml", b"<w/>"))),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_in_words(org, name, data):
    errors = _errors("ceus", org, data, name=name)
    assert len(errors) == 1 and errors[0].line == 0 and errors[0].message


def test_the_commands_take_an_excel_file_path(org, peer, tmp_path: Path):
    path = tmp_path / "hours.xlsx"
    path.write_bytes(
        _xlsx(["peer_email", "date", "hours"], [peer.user.email, dt.date(2025, 1, 2), 6])
    )
    call_command("import_hours", "--organization", org.slug, str(path))
    assert HoursWorked.objects.get().hours == Decimal("6")


def test_a_binary_file_named_csv_is_refused_in_words_on_the_page(org, member_of, client_for):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    junk = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    response = client.post(
        reverse("import_page"), {"kind": "hours", "file": SimpleUploadedFile("photo.csv", junk)}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.errors and "\x00" not in str(run.errors) + str(run.preview)
    assert all(len(e["column"]) <= 60 for e in run.errors)
    assert client.get(response["Location"]).status_code == 200
