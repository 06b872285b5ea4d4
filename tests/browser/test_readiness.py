"""On a phone: a manager completes the readiness self-assessment and plans for the gaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from programs.demo import seed
from programs.models import ReadinessAction
from programs.rules import READINESS_STATEMENTS
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_completes_a_readiness_assessment(live_server, page: Page, settings, screenshot):
    settings.DEMO_MODE = True
    seed()
    sign_in(page, live_server.url, "manager@demo.peerpath.test")

    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("link", name="Readiness").click()
    expect(page.get_by_role("img", name="Readiness score over time")).to_be_visible()
    screenshot("readiness-history")
    page.get_by_role("link", name="Take the assessment").click()
    statements = list(READINESS_STATEMENTS.values())
    for i, text in enumerate(statements):
        group = page.get_by_role("group", name=text)
        group.get_by_label("Yes" if i < 7 else "No", exact=True).check()
    assert_fits_phone(page)
    screenshot("readiness-form")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_role("heading", name="7 of 10: 70%")).to_be_visible()
    expect(page.get_by_text("Not ready yet").first).to_be_visible()
    for i, text in enumerate(statements[7:]):
        page.get_by_label(f"What we will do: {text}").fill(f"Step {i + 1}")
    owners = page.get_by_label("Owner")
    targets = page.get_by_label("Target date")
    for i in range(3):
        owners.nth(i).select_option(label="Dana Whitehorse")
        targets.nth(i).fill("2099-01-01")  # too late: more than a year away
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_text("Choose a target date between").first).to_be_visible()
    expect(page.get_by_label(f"What we will do: {statements[7]}")).to_have_value("Step 1")
    soon = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    for i in range(3):
        page.get_by_label("Target date").nth(i).fill(soon)
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    assert_fits_phone(page)
    screenshot("readiness-plan")
    assert ReadinessAction.objects.filter(action__startswith="Step").count() == 3
