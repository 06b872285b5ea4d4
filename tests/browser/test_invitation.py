"""On a phone: an admin invites a program manager; the manager opens the e-mailed link,
creates an account, is sent to enrol a second factor before anything else, and gets in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, sign_in
from tests.factories import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_accept_and_enrol_on_a_phone(live_server, page: Page, settings, screenshot):
    settings.DEMO_MODE = True
    seed()
    sign_in(page, live_server.url, "admin@demo.peerpath.test")

    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    assert_fits_phone(page)
    screenshot("staff-list")

    page.get_by_role("link", name="Invite a person").first.click()
    page.get_by_label("E-mail address").fill("new.manager@example.org")
    page.get_by_label("Role").select_option("program_manager")
    page.get_by_label("Emergency Department Bridge").check()
    screenshot("invite-form")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.manager@example.org")).to_be_visible()
    expect(page.get_by_text("new.manager@example.org · Program manager")).to_be_visible()

    # The invitee, on another phone, opens the link from the e-mail.
    link = re.search(r"https?://\S+(/invite/\S+/)", str(mail.outbox[-1].body))
    assert link
    invitee = page.context.browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[union-attr]
    invitee.goto(live_server.url + link.group(1))
    expect(invitee.get_by_role("heading", name="Join Big Sky Recovery Partners")).to_be_visible()
    invitee.get_by_label("First name").fill("Quinn")
    invitee.get_by_label("Last name").fill("Harlow")
    invitee.get_by_label("Choose a password").fill("short")
    invitee.get_by_label("Type it again").fill("short")
    invitee.get_by_role("button", name="Create my account").click()
    expect(invitee.get_by_text("too short")).to_be_visible()
    expect(invitee.get_by_label("First name")).to_have_value("Quinn")  # nothing typed is lost
    invitee.get_by_label("Choose a password").fill("a-long-and-unusual-passphrase")
    invitee.get_by_label("Type it again").fill("a-long-and-unusual-passphrase")
    invitee.get_by_role("button", name="Create my account").click()

    # A manager must enrol a second factor first.
    expect(invitee).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert_fits_phone(invitee)
    screenshot("enrol-second-factor", of=invitee)
    secret = invitee.locator("#authenticator_secret").input_value()
    invitee.get_by_label("Authenticator code").fill(totp_code(secret))
    invitee.get_by_role("button", name="Turn it on").click()
    expect(invitee).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    screenshot("recovery-codes", of=invitee)
    invitee.goto(live_server.url + "/")
    expect(invitee.get_by_role("heading", name="Hello, Quinn")).to_be_visible()
    expect(invitee.get_by_role("link", name="Emergency Department Bridge")).to_be_visible()
    screenshot("invitee-home", of=invitee)
