"""On a phone (390x844): each demo role signs in, finds its "Needs you" panel at the top
of the home page, and follows its first link to a page that opens."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = (
    ("peer", "peer@demo.peerpath.test"),
    ("supervisor", "supervisor@demo.peerpath.test"),
    ("manager", "manager@demo.peerpath.test"),
    ("admin", "admin@demo.peerpath.test"),
    ("trainer", "trainer@demo.peerpath.test"),
)


def test_each_demo_role_sees_its_needs_you_panel_and_its_link_works(
    live_server, page: Page, settings, screenshot
):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.set_viewport_size({"width": 390, "height": 844})
    for name, email in ROLES:
        page.context.clear_cookies()
        sign_in(page, live_server.url, email)
        panel = page.get_by_role("region", name="Needs you")
        expect(panel).to_be_visible()
        assert_fits_phone(page)
        screenshot(f"needs-you-{name}")
        links = panel.locator("a.needs-you-link")
        assert links.count() >= 1, f"{name}: nothing in the panel of the demo"
        href = links.first.get_attribute("href")
        response = page.goto(f"{live_server.url}{href}")
        assert response is not None and response.status == 200, (name, href)
        screenshot(f"needs-you-{name}-followed")
