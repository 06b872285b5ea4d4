"""A manager signs in on a phone with the demo's password and authenticator code."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, demo_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_on_a_phone_reaches_the_home_page(live_server, page: Page, settings, screenshot):
    settings.DEMO_MODE = True
    seed()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_fits_phone(page)
    screenshot("sign-in")

    page.get_by_label("Email").fill("manager@demo.peerpath.test")
    page.get_by_label("Password").fill(django_settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Second factor: the demo banner shows the code the demo authenticator would show.
    page.get_by_label("Authenticator code").fill(demo_code(page))
    screenshot("second-factor")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello, Dana")).to_be_visible()
    expect(page.get_by_text("Big Sky Recovery Partners").first).to_be_visible()
    expect(page.get_by_role("link", name="Emergency Department Bridge")).to_be_visible()
    assert_fits_phone(page)
    screenshot("home-manager")
