"""The one CSV/XLSX writer (programs.spreadsheets): its guard, and every export of the app
writing through it, given an actor e-mail `=1+1@evil.test` and a title ` =cmd`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from certification.services import profile_for
from encounters.reporting import formats
from programs.audit import INVITATION_CREATED, audit_record
from programs.models import Role
from programs.spreadsheets import CsvDictWriter, CsvWriter, Workbook, spreadsheet_cell
from supervision.models import HoursWorked

pytestmark = pytest.mark.django_db

EVIL_EMAIL = "=1+1@evil.test"
EVIL_TITLE = " =cmd"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+1@evil.test", "'=1+1@evil.test"),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        (" =cmd", "' =cmd"),
        ("\t=cmd", "'\t=cmd"),
        ("\r\n+cmd", "'\r\n+cmd"),
        ("\n@x", "'\n@x"),
        ("   -x", "'   -x"),
        ("\tplain", "'\tplain"),  # a leading tab or CR on its own (OWASP)
        ("\rplain", "'\rplain"),
        # left alone: ordinary text, and numbers written as text
        ("Prairie Hope", "Prairie Hope"),
        (" spaced", " spaced"),
        ("a=b", "a=b"),
        ("-30", "-30"),
        ("-2.5", "-2.5"),
        ("+1.5e3", "+1.5e3"),
        ("", ""),
    ],
)
def test_the_guard_writes_a_would_be_formula_as_text(typed, written):
    assert spreadsheet_cell(typed) == written


def test_the_guard_keeps_numbers_and_dates_and_turns_anything_else_into_guarded_text():
    day = dt.date(2025, 3, 1)
    assert [spreadsheet_cell(v) for v in (-3, 2.5, Decimal("-1.25"), True, None, day)] == [
        -3,
        2.5,
        Decimal("-1.25"),
        True,
        None,
        day,
    ]

    class Named:
        def __str__(self) -> str:
            return "=HYPERLINK(1)"

    assert spreadsheet_cell(Named()) == "'=HYPERLINK(1)"


def test_the_csv_writers_guard_every_cell():
    out = io.StringIO()
    CsvWriter(out).writerow([EVIL_EMAIL, EVIL_TITLE, -4])
    writer = CsvDictWriter(out, fieldnames=["a", "b"])
    writer.writerow({"a": EVIL_EMAIL, "b": 5})
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1+1@evil.test", "' =cmd", "-4"],
        ["'=1+1@evil.test", "5"],
    ]


def test_the_workbook_guards_every_cell_and_writes_no_formula():
    book = Workbook()
    sheet = book.sheet("Figures", header=["who", "what", "n"])
    sheet.append([EVIL_EMAIL, EVIL_TITLE, -4])
    ws = load_workbook(io.BytesIO(book.to_bytes())).active
    cells = [c for c in ws[2]]
    assert [c.value for c in cells] == ["'=1+1@evil.test", "' =cmd", -4]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# --- every export --------------------------------------------------------------------------


def test_the_audit_log_csv_writes_an_actors_email_as_text(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN, email=EVIL_EMAIL)
    audit_record(
        actor=admin.user, organization=org, event=INVITATION_CREATED, data={"to": EVIL_TITLE}
    )
    response = client_for(admin).get(reverse("audit_log"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    actors = {r[1] for r in rows[1:]}
    assert "'=1+1@evil.test" in actors and EVIL_EMAIL not in actors


def test_the_supervision_ratio_csv_writes_a_peers_email_as_text(org, member_of, client_for):
    peer = member_of(org, Role.PEER_SUPPORTER, email=EVIL_EMAIL)
    HoursWorked.objects.create(peer=peer, date=dt.date(2025, 3, 3), hours=Decimal(10))
    manager = member_of(org, Role.ORG_ADMIN)
    response = client_for(manager).get(
        reverse("supervision_ratio"), {"month": "2025-03", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'=1+1@evil.test"
    # Figures stay numbers (the hours were stored straight, so nobody confirmed them).
    assert rows[1][1:] == ["10", "30", "0", "-30", "false", "10", "true"]


def test_the_ceu_standing_csv_writes_email_and_name_as_text(org, member_of, client_for):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False, email=EVIL_EMAIL, first_name=EVIL_TITLE)
    profile_for(peer)
    admin = member_of(org, Role.ORG_ADMIN)
    body = client_for(admin).get(reverse("certification_team"), {"format": "csv"}).content
    [row] = [r for r in csv.reader(io.StringIO(body.decode()))][1:]
    assert row[0].startswith("'=cmd") and row[1] == "'=1+1@evil.test"  # the name is trimmed


def test_the_command_csvs_write_emails_as_text(org, member_of, capsys):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False, email=EVIL_EMAIL)
    HoursWorked.objects.create(peer=peer, date=dt.date(2025, 3, 3), hours=Decimal(10))
    profile_for(peer)
    month = ["--month", "2025-03", "--format", "csv"]
    call_command("supervision_compliance", "--organization", org.slug, *month)
    call_command("ceu_status", "--organization", org.slug, "--year", "2025", "--format", "csv")
    compliance, ceus = capsys.readouterr().out.split("email,", 2)[1:]
    for out in (compliance, ceus):
        [line] = [line for line in out.splitlines() if "evil.test" in line]
        assert line.startswith("'=1+1@evil.test,")


def test_the_report_csv_and_xlsx_write_text_as_text_and_agree():
    figures = {"title": EVIL_TITLE, "prepared_by": EVIL_EMAIL, "encounters": 12, "net": -3.5}
    csv_rows = list(csv.DictReader(io.StringIO(formats.to_csv(figures))))
    assert {r["item"]: r["value"] for r in csv_rows} == {
        "title": "' =cmd",
        "prepared_by": "'=1+1@evil.test",
        "encounters": "12",
        "net": "-3.5",
    }
    sheet = load_workbook(io.BytesIO(formats.to_xlsx(figures))).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values == {
        "title": "' =cmd",
        "prepared_by": "'=1+1@evil.test",
        "encounters": 12,
        "net": -3.5,
    }
    assert json.loads(formats.to_json(figures))["title"] == EVIL_TITLE  # JSON is not a sheet
