"""On a phone: a supervisor writes a supervision log and signs it with their password; the
signed log is read-only and the supervisee acknowledges it."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from programs.demo import seed
from supervision.models import SupervisionLog
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_writes_and_signs_a_log_on_a_phone(
    live_server, page: Page, settings, screenshot
):
    settings.DEMO_MODE = True
    context = seed()
    from certification import demo as certification_demo
    from encounters import demo as encounters_demo
    from supervision import demo as supervision_demo

    certification_demo.seed(context)
    encounters_demo._clients(context)
    supervision_demo.people(context)
    sign_in(page, live_server.url, "supervisor@demo.peerpath.test")

    started = time.monotonic()
    page.goto(f"{live_server.url}/supervision/")
    page.get_by_role("link", name="Write a log").click()
    peers = page.get_by_role("group", name="Supervisees")
    clients = page.get_by_role("group", name="Clients discussed")
    expect(clients.locator("label:visible")).to_have_count(0)  # nobody ticked yet
    peers.locator("label").nth(0).click()
    shown_for_one = clients.locator("label:visible").count()
    assert shown_for_one > 0
    peers.locator("label").nth(1).click()
    assert clients.locator("label:visible").count() > shown_for_one
    clients.locator("label:visible").first.click()
    page.get_by_text("Ethics and boundaries", exact=True).click()
    page.get_by_text("Check-in", exact=True).click()
    page.get_by_label("Notes").fill("Role-played saying no to a ride request.")
    page.get_by_label("I have reviewed the supervisees' assessments").check()
    page.get_by_label("I have reviewed their support interventions").check()
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_phone(page)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("supervision-log-form")
    page.get_by_role("button", name="Save, then sign").click()
    expect(page.get_by_text("Read it over, then sign it below")).to_be_visible()

    # A wrong password signs nothing, and says so by the field.
    page.get_by_label("Your password, or a code").fill("not my password")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("That password or code is not right")).to_be_visible()
    page.get_by_label("Your password, or a code").fill(django_settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed. The log is now read-only.")).to_be_visible()
    print(f"\nwriting and signing the log took {time.monotonic() - started:.1f} s of browser time")
    expect(page.get_by_text("The log is unchanged since it was signed.")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    assert_fits_phone(page)
    screenshot("supervision-log-signed")

    log = SupervisionLog.objects.get()
    assert log.is_signed and log.attendees.count() == 2 and log.clients.count() == 1
    assert log.notes == "Role-played saying no to a ride request."
