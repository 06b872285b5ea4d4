"""On a phone: a peer sees what they still owe for the year and adds CEU hours."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from certification.models import CeuEntry
from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_adds_ceu_hours_on_a_phone(live_server, page: Page, settings, screenshot):
    settings.DEMO_MODE = True
    context = seed()
    from certification import demo as certification_demo

    certification_demo.seed(context)  # Casey is behind on this year's hours
    sign_in(page, live_server.url, "peer2@demo.peerpath.test")

    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("link", name="My certification").click()
    expect(page.get_by_text("hours still to go by December 31")).to_be_visible()
    before = page.get_by_role("progressbar").get_attribute("aria-valuenow")
    assert_fits_phone(page)
    screenshot("my-certification")

    page.get_by_role("link", name="Add CEU hours").click()
    page.get_by_label("Hours").fill("1.1")  # not a quarter hour
    page.get_by_label("Course or event").fill("Naloxone and overdose response")
    page.get_by_label("Given by").fill("County Health Department")
    page.get_by_label("Core competency").select_option("suicide_awareness")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("Enter hours in quarter hours")).to_be_visible()
    expect(page.get_by_label("Course or event")).to_have_value("Naloxone and overdose response")
    assert_fits_phone(page)
    screenshot("ceu-form-error")
    page.get_by_label("Hours").fill("1.5")
    page.get_by_role("button", name="Save hours").click()

    expect(page).to_have_url(re.compile(r"/certification/$"))
    expect(page.get_by_text("Added 1.5 hours: Naloxone and overdose response.")).to_be_visible()
    after = page.get_by_role("progressbar").get_attribute("aria-valuenow")
    assert int(after or 0) > int(before or 0)
    screenshot("my-certification-after")
    assert CeuEntry.objects.filter(title="Naloxone and overdose response").count() == 1
