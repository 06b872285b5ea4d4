"""On a phone: a program manager uploads a timesheet with one bad row and sees the problem,
corrects it, checks it again, confirms, and finds the import in the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from programs.demo import seed
from programs.models import ImportRun, ImportStatus
from supervision.models import HoursWorked
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _timesheet(*hours: str) -> bytes:
    lines = ["peer_email,date,hours"]
    lines += [f"peer@demo.peerpath.test,2026-11-0{i + 2},{h}" for i, h in enumerate(hours)]
    return ("\n".join(lines) + "\n").encode()


def _upload(page: Page, data: bytes) -> None:
    page.get_by_label("What the file holds").select_option(label="Hours worked")
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(
        {"name": "timesheet.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()


def test_a_manager_imports_a_timesheet_from_a_phone(live_server, page: Page, settings, screenshot):
    settings.DEMO_MODE = True
    seed()
    sign_in(page, live_server.url, "manager@demo.peerpath.test")

    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import from a spreadsheet")).to_be_visible()
    page.get_by_role("button", name="Hours worked").click()  # what its columns mean
    expect(page.get_by_text("The day worked, as YYYY-MM-DD.")).to_be_visible()
    assert_fits_phone(page)

    _upload(page, _timesheet("7.5", "25", "6"))
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_contain_text("line 3, column hours:")
    expect(page.get_by_role("button", name="Confirm and import")).to_have_count(0)
    expect(page.get_by_role("cell", name="2026-11-04")).to_be_visible()  # the rows as read
    assert_fits_phone(page)
    screenshot("import-problems")
    assert not HoursWorked.objects.exists()

    page.get_by_role("link", name="Import", exact=True).first.click()
    _upload(page, _timesheet("7.5", "5", "6"))
    expect(page.get_by_text("Checked: no problems.")).to_be_visible()
    expect(page.get_by_text("Importing it will create 3")).to_be_visible()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator("#import-status")).to_contain_text(
        "3 created, 0 updated, 0 unchanged", timeout=30_000
    )
    assert HoursWorked.objects.filter(peer__user__email="peer@demo.peerpath.test").count() == 3

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    latest = page.get_by_role("listitem").filter(has_text="timesheet.csv").first
    expect(latest).to_contain_text("Imported")
    expect(latest).to_contain_text("3 created, 0 updated, 0 unchanged")
    expect(latest).to_contain_text(ImportRun.objects.get(status=ImportStatus.IMPORTED).sha256)
    assert_fits_phone(page)
    screenshot("import-history")


@pytest.mark.broker
def test_a_large_timesheet_is_imported_in_the_background_with_its_progress(
    live_server, page: Page, settings, screenshot
):
    import os

    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must provide CELERY_BROKER_URL; the broker path cannot be skipped")
        pytest.skip("no broker configured (set CELERY_BROKER_URL to run this)")
    settings.DEMO_MODE = True
    settings.IMPORT_BACKGROUND_ROWS = 5
    seed()
    sign_in(page, live_server.url, "manager@demo.peerpath.test")
    page.goto(f"{live_server.url}/imports/")
    _upload(page, _timesheet(*["6"] * 8))
    expect(page.get_by_text("A file this size is imported in the background")).to_be_visible()

    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker)
    try:
        app.control.purge()
        # No worker yet: the import waits in the queue and the page says so.
        page.get_by_role("button", name="Confirm and import").click()
        status = page.locator("#import-status")
        expect(status).to_contain_text("Waiting to start")
        expect(status.get_by_role("progressbar", name="Import progress")).to_be_visible()
        assert_fits_phone(page)
        screenshot("import-queued")
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # The page follows the task by itself, then shows the result.
            expect(page.locator("#import-status")).to_contain_text(
                "8 created, 0 updated, 0 unchanged", timeout=30_000
            )
    finally:
        app.conf.update(task_always_eager=True)
    assert HoursWorked.objects.count() == 8
