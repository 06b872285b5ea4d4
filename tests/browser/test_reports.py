"""On a phone: an admin asks for last quarter's funder report for one program, watches it
being built and downloads the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from encounters.reporting.models import ReportRun
from encounters.reporting.services import preset_period
from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day(day: object) -> str:
    return f"{day:%B} {day.day}, {day.year}"  # type: ignore[attr-defined]


def test_an_admin_builds_last_quarters_funder_report_and_downloads_the_pdf(
    live_server, page: Page, settings, screenshot, tmp_path: Path
):
    settings.DEMO_MODE = True
    context = seed()
    from certification import demo as certification_demo
    from encounters import demo as encounters_demo

    certification_demo.seed(context)
    encounters_demo.seed(context)  # a year of encounters and survey answers
    start, end = preset_period("last_quarter", context.organization.today())

    sign_in(page, live_server.url, "admin@demo.peerpath.test")
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()

    page.goto(f"{live_server.url}{reverse('report_list')}")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    page.get_by_label("Funder report (program analysis)").check()
    page.get_by_label("Program", exact=True).select_option(label="Recovery Coaching")
    page.get_by_label(re.compile(r"Last quarter \(")).check()
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_phone(page)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("report-form")
    page.get_by_role("button", name="Build the report").click()

    # The page follows the build until the files are ready.
    status = page.locator("#run-status")
    expect(status).to_contain_text("Ready.", timeout=60_000)
    expect(page.get_by_role("heading", name="Funder report (program analysis)")).to_be_visible()
    expect(page.get_by_text(f"{start:%b} {start.day}, {start.year} to")).to_be_visible()
    assert_fits_phone(page)
    screenshot("report-run")

    with page.expect_download() as download_info:
        status.get_by_role("link", name="PDF").click()
    download = download_info.value
    run = ReportRun.objects.get()
    assert download.suggested_filename == (
        f"funder-recovery-coaching-{start.isoformat()}-{end.isoformat()}.pdf"
    )
    saved = tmp_path / "report.pdf"
    download.save_as(saved)
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for expected in (
        "Funder report",
        "Big Sky Recovery Partners",
        "Recovery Coaching",
        f"{_day(start)} to {_day(end)}",
        "Who was served",
        "Clients served",
        "What people said",
    ):
        assert expected in text, expected
    assert run.figures["encounters"] > 0
    assert f"{run.figures['clients_served']} " in text
    assert "Emergency Department Bridge" not in text  # the other program is not in it

    # The archive keeps it, with who asked and its downloads.
    page.get_by_role("link", name="Reports", exact=True).first.click()
    entry = page.get_by_role("listitem").filter(has_text="Asked for by Alex Morgan")
    expect(entry).to_contain_text(f"Recovery Coaching · {start:%b} {start.day}, {start.year}")
    expect(entry.get_by_role("link", name="PDF")).to_be_visible()
    assert_fits_phone(page)
    screenshot("report-archive")
