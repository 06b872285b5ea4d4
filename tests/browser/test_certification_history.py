"""On a phone: a manager reads a peer's certification history (a renewal entered a month
late leaves a lapse) and records a suspension, then the reinstatement."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from certification.models import Certification
from certification.services import LAPSE_BEFORE_ISSUE
from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_records_a_suspension_and_a_reinstatement_on_a_phone(
    live_server, page: Page, settings, screenshot
):
    settings.DEMO_MODE = True
    context = seed()
    from certification import demo as certification_demo

    certification_demo.seed(context)  # Casey renewed a month late last year
    cert = Certification.objects.get(number="BHPSS-2744")
    y = context.organization.today().year
    sign_in(page, live_server.url, "manager@demo.peerpath.test")
    page.goto(f"{live_server.url}/certification/peers/{cert.profile_id}/")

    history = page.get_by_role("list", name="History of certification BHPSS-2744")
    expect(history).to_contain_text(f"Lapsed Sep 1, {y - 1} \u2013 Sep 30, {y - 1}")
    expect(history).to_contain_text(f"Renewed Oct 1, {y - 1} \u2013 Aug 31, {y + 1}")
    assert_fits_phone(page)
    screenshot("certification-history")

    page.get_by_text("Record a lapse or suspension").click()
    page.get_by_label("Lapsed from").fill(f"{y - 3}-01-01")  # before it was issued
    page.get_by_label("Reason", exact=True).fill("Board suspension pending review")
    page.get_by_role("button", name="Record the lapse").click()
    expect(page.get_by_role("alert")).to_contain_text(
        LAPSE_BEFORE_ISSUE.format(day=dt.date(y - 2, 9, 1))
    )
    expect(page.get_by_label("Reason", exact=True)).to_have_value("Board suspension pending review")
    assert_fits_phone(page)
    screenshot("certification-lapse-error")

    suspended = context.organization.today() - dt.timedelta(days=10)
    page.get_by_label("Lapsed from").fill(suspended.isoformat())
    page.get_by_role("button", name="Record the lapse").click()
    expect(page.get_by_text("Lapse recorded.")).to_be_visible()
    expect(
        page.get_by_text(f"lapsed from {suspended:%b} {suspended.day}, {suspended.year}")
    ).to_be_visible()
    assert cert.lapses.get().starts_on == suspended

    page.get_by_text("Record a reinstatement").click()
    page.get_by_label("Reinstated from").fill(context.organization.today().isoformat())
    page.get_by_role("button", name="Save reinstatement").click()
    expect(page.get_by_text("Reinstatement recorded.")).to_be_visible()
    assert cert.lapses.get().reinstated_on == context.organization.today()
    assert_fits_phone(page)
    screenshot("certification-reinstated")
