"""On a phone, a program manager imports every kind of file the Import page offers, once as
CSV and once as an Excel workbook (dates typed as Excel dates): the check shows the rows as
read and no problem, Confirm writes them, and the history lists both files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from programs.demo import seed
from programs.import_runs import importer_columns
from programs.imports import IMPORT_KINDS
from programs.models import Organization
from supervision.demo import people
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rows(kind: str, n: int, today: dt.date) -> dict[str, Any]:
    """One row of the kind that imports cleanly into the demo organization, every column of
    the kind's template in the header; n keeps the CSV's row apart from the workbook's."""
    day = today - dt.timedelta(days=10 + n)
    columns = importer_columns(IMPORT_KINDS[kind](organization=Organization()))
    blank: dict[str, Any] = {c: "" for c in columns}
    rows: dict[str, dict[str, Any]] = {
        "staff": {
            "email": f"new.peer{n}@demo.peerpath.test",
            "first_name": "Robin",
            "last_name": f"Hale{n}",
            "role": "peer_supporter",
            "program": "recovery-coaching",
        },
        "ceus": {
            "peer_email": "peer@demo.peerpath.test",
            "date": day,
            "hours": 2.5,
            "title": f"Ethics refresher {n}",
            "provider": "Montana Peer Network",
            "topic": "boundaries_ethics",
        },
        "hours": {
            "peer_email": "peer@demo.peerpath.test",
            "date": dt.date(2024, 1, 2 + n),
            "hours": 7.5,
        },
        "supervision": {
            "external_id": f"paper-browser-{n}",
            "supervisor_email": "supervisor@demo.peerpath.test",
            "supervisee_emails": "peer@demo.peerpath.test",
            "date": day,
            "start_time": "09:00",
            "end_time": "10:00",
            "signed_on": day,
        },
        "encounters": {
            "external_id": f"browser-{n}",
            "peer_email": "peer@demo.peerpath.test",
            "client_code": f"RC-90{n}",
            "program": "recovery-coaching",
            "date": day,
            "start_time": "10:30",
            "duration_minutes": 45,
            "setting": "office",
            "format": "individual",
            "phase": "connecting",
            "support_types": "emotional",
            "service_type": "skills_coaching",
        },
    }
    return blank | rows[kind]


def _csv(row: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(row)
    writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row.values()])
    return out.getvalue().encode()


def _xlsx(row: dict[str, Any]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(row))
    sheet.append(list(row.values()))  # dates and numbers as Excel cells, not text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bytes]]] = {
    "csv": ("text/csv", "csv", _csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _xlsx),
}


def _count(kind: str) -> int:
    model = {
        "staff": "programs.Membership",
        "ceus": "certification.CeuEntry",
        "hours": "supervision.HoursWorked",
        "supervision": "supervision.SupervisionLog",
        "encounters": "encounters.Encounter",
    }[kind]
    return apps.get_model(model).objects.count()


def test_every_kind_is_offered_here() -> None:
    assert set(IMPORT_KINDS) == {"staff", "ceus", "hours", "supervision", "encounters"}


@pytest.mark.parametrize("kind", sorted(IMPORT_KINDS))
def test_a_manager_imports_each_kind_as_csv_and_as_excel(
    kind: str, live_server, page: Page, settings, screenshot
) -> None:
    settings.DEMO_MODE = True
    context = seed()
    people(context)  # the supervisors' licenses and agreements, for the paper logs
    today = context.organization.today()
    sign_in(page, live_server.url, "manager@demo.peerpath.test")
    label = IMPORT_KINDS[kind].label
    before = _count(kind)
    for n, fmt in enumerate(FORMATS):
        mime, suffix, build = FORMATS[fmt]
        page.goto(f"{live_server.url}/imports/")
        page.get_by_label("What the file holds").select_option(label=label)
        page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(
            {"name": f"{kind}.{suffix}", "mimeType": mime, "buffer": build(_rows(kind, n, today))}
        )
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_text("Checked: no problems.")).to_be_visible()
        expect(page.get_by_text("Importing it will create 1")).to_be_visible()
        assert _count(kind) == before + n, "the check wrote something"
        if fmt == "xlsx":
            assert_fits_phone(page)
            screenshot(f"import-{kind}-checked")
        page.get_by_role("button", name="Confirm and import").click()
        expect(page.locator("#import-status")).to_contain_text(
            "1 created, 0 updated, 0 unchanged", timeout=30_000
        )
        assert _count(kind) == before + n + 1
    page.get_by_role("link", name="History").click()
    for suffix in ("csv", "xlsx"):
        expect(
            page.get_by_role("listitem").filter(has_text=f"{kind}.{suffix}").first
        ).to_contain_text("Imported")
