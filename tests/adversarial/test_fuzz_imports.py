"""Hypothesis against every import kind, in CSV and XLSX: hostile cells (NUL, lone
surrogates, 10,000 characters, right-to-left overrides, emoji, impossible dates and numbers,
invalid choices), missing, extra and duplicated columns, and wrong encodings.

The properties, for every file the strategies can build:
- the import never raises anything but ImportFailed (no traceback, so no 500 on the page);
- every problem names a line, and every problem with a row names its column too;
- a file that fails writes nothing (every table of ours has the same rows after it);
- the check the Import page runs agrees with the import itself and keeps nothing.

The kinds come from the registry, so a new import kind is fuzzed without a change here.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.imports import IMPORT_KINDS, CsvImporter, ImportFailed, ImportFile
from programs.models import Organization, Role
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

KINDS = sorted(IMPORT_KINDS)
OUR_APPS = ("programs", "certification", "encounters", "reporting", "supervision", "training")
# Rows the import itself may leave behind on a failure: none. The audit log and the import
# history are written by the page around the import, not by it.
NOT_DATA = {"programs.auditevent"}

HOSTILE = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "x" * 10_000,
        "\u202egnp.exe",
        "\u200f\u202b",
        "😀🧯",
        "=1+1",
        " @SUM(A1)",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "24:61",
        "-1",
        "1e309",
        "99999999999999999999",
        "NaN",
        "not-a-choice",
        ";;;",
        "",
        " ",
        "\r\n",
        '"',
    ]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "utf-32"])


def _table_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model._meta.label_lower not in NOT_DATA
    }


def _people(org: Organization) -> None:
    """Who the kinds' example rows name, so that an untouched example row imports."""
    program = ProgramFactory.create(organization=org, slug="recovery-coaching")
    for email in ("jordan.lee@example.org", "sam.ortiz@example.org"):
        MembershipFactory.create(
            organization=org,
            role=Role.PEER_SUPPORTER,
            programs=[program],
            user__email=email,
        )
    MembershipFactory.create(
        organization=org, role=Role.CLINICAL_SUPERVISOR, user__email="dr.rivera@example.org"
    )


@st.composite
def import_files(draw: Any, kind: str, org: Organization) -> tuple[ImportFile, str]:
    importer = IMPORT_KINDS[kind](organization=org)
    from programs.import_runs import importer_columns

    columns = importer_columns(importer)
    header = list(columns)
    # Column trouble: drop one, add an unknown one, or repeat one.
    trouble = draw(st.sampled_from(["none", "none", "drop", "extra", "duplicate"]))
    if trouble == "drop":
        header.remove(draw(st.sampled_from(columns)))
    elif trouble == "extra":
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["note", "bogus"])))
    elif trouble == "duplicate":
        header.append(draw(st.sampled_from(columns)))
    rows = []
    for n in range(draw(st.integers(1, 4))):
        row = [importer.example_row.get(c, "") for c in header]
        # Keep keys apart so rows are not all duplicates of each other.
        row = [v.replace("001", f"00{n}").replace("031", f"03{n}") for v in row]
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(row) - 1))
            row[i] = draw(st.one_of(HOSTILE, st.text(max_size=30)))
        rows.append(row)
    as_xlsx = draw(st.booleans())
    if as_xlsx:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for line in [header, *rows]:
            # openpyxl refuses control characters in cells; a spreadsheet cannot hold them.
            sheet.append(
                [openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", _storable(v)) for v in line]
            )
        out = io.BytesIO()
        book.save(out)
        return ImportFile(data=out.getvalue(), name="upload.xlsx"), "xlsx"
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    encoding = draw(ENCODINGS)
    try:  # a lone surrogate written as its bytes, where the encoding can hold it
        data = text.getvalue().encode(encoding, errors="surrogatepass")
    except UnicodeEncodeError:
        data = text.getvalue().encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # a file cut short
    return ImportFile(data=data, name="upload.csv"), encoding


def _storable(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8", "replace")


def _assert_told_where(failed: ImportFailed) -> None:
    assert failed.errors, "a failed import must say why"
    for error in failed.errors:
        assert error.line >= 1, error
        assert error.message.strip(), error
        if not error.whole_file:
            assert error.column, f"a row's problem must name its column: {error}"
        else:
            assert len(failed.errors) == 1, "a file refused as a whole says so once"


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_with_a_key_names_the_key_columns(kind: str, org: Organization) -> None:
    importer = IMPORT_KINDS[kind](organization=org)
    if type(importer).key is not CsvImporter.key:
        assert importer.key_columns, f"{kind} has a key but no key_columns to report it in"
    assert set(importer.key_columns) <= set(importer.known_columns())


@pytest.mark.parametrize("kind", KINDS)
def test_no_file_breaks_an_import_or_writes_part_of_itself(kind: str, org: Organization) -> None:
    _people(org)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(data: Any) -> None:
        upload, _ = data.draw(import_files(kind, org))
        importer = IMPORT_KINDS[kind](organization=org)
        with transaction.atomic():
            before = _table_counts()
            try:
                importer.run_file(upload)
            except ImportFailed as failed:
                _assert_told_where(failed)
                assert _table_counts() == before, "a failed import wrote part of the file"
                check = IMPORT_KINDS[kind](organization=org).check_file(upload)
                assert check.errors == failed.errors
            transaction.set_rollback(True)
        # The check that the page runs keeps nothing, whatever the file.
        before = _table_counts()
        IMPORT_KINDS[kind](organization=org).check_file(upload)
        assert _table_counts() == before

    run()
