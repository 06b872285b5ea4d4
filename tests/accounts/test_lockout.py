"""The sign-in lockout, from outside: the hard lock holds one address at one client address,
the slower limit per address spares the browser its owner signs in from, and an org admin
can lift a member's lockout (audited, own organization only)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import AuditEvent, Role
from programs.sign_in_audit import ACCOUNT_LOCKOUT_CLEARED
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
LOCKED = "Too many failed login attempts"


def _from(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def _login(client: Client, email: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def _signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def _lock_from(ip: str, email: str, times: int) -> None:
    for _ in range(times):
        assert _login(_from(ip), email, "wrong-password").status_code == 200


def test_failures_from_one_client_address_lock_that_address_only(org, member_of, settings):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    _lock_from("203.0.113.7", peer.user.email, settings.LOGIN_FAILURE_LIMIT)

    attacker = _from("203.0.113.7")
    response = _login(attacker, peer.user.email)
    assert LOCKED in response.content.decode()  # even the right password, from there
    assert not _signed_in(attacker)

    colleague_at_work = _from("198.51.100.20")
    assert _login(colleague_at_work, peer.user.email).status_code == 302
    assert _signed_in(colleague_at_work)


def test_the_client_address_is_read_behind_the_trusted_proxy(org, member_of, settings):
    # Behind one proxy every request comes from the proxy; the hard lock must follow the
    # forwarded client address, not the proxy's.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7").post(
            LOGIN, {"login": peer.user.email, "password": "wrong-password"}
        )
    elsewhere = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _login(elsewhere, peer.user.email).status_code == 302
    same = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert LOCKED in _login(same, peer.user.email).content.decode()


def _spread_failures(email: str, settings) -> None:
    """LOGIN_ADDRESS_FAILURE_LIMIT failures from many client addresses, each below the
    hard lock's limit."""
    per_ip = settings.LOGIN_FAILURE_LIMIT - 1
    done = 0
    n = 0
    while done < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        n += 1
        count = min(per_ip, settings.LOGIN_ADDRESS_FAILURE_LIMIT - done)
        _lock_from(f"192.0.2.{n}", email, count)
        done += count


def test_many_client_addresses_together_hit_the_per_address_limit(org, member_of, settings):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    _spread_failures(peer.user.email, settings)
    stranger_browser = _from("198.51.100.99")
    assert LOCKED in _login(stranger_browser, peer.user.email).content.decode()
    assert not _signed_in(stranger_browser)


def test_the_browser_the_person_signs_in_from_is_never_held_by_the_per_address_limit(
    org, member_of, settings
):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    own_browser = _from("198.51.100.20")
    assert _login(own_browser, peer.user.email).status_code == 302
    own_browser.post(reverse("account_logout"))
    assert not _signed_in(own_browser)

    _spread_failures(peer.user.email, settings)
    assert _login(own_browser, peer.user.email).status_code == 302
    assert _signed_in(own_browser)


def test_the_known_browser_cookie_belongs_to_one_address(org, member_of, settings):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    other = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    browser = _from("198.51.100.20")
    assert _login(browser, other.user.email).status_code == 302
    browser.post(reverse("account_logout"))
    _spread_failures(peer.user.email, settings)
    assert LOCKED in _login(browser, peer.user.email).content.decode()


def test_wrong_passwords_still_fail_in_a_known_browser_up_to_the_hard_lock(
    org, member_of, settings
):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    browser = _from("198.51.100.20")
    assert _login(browser, peer.user.email).status_code == 302
    browser.post(reverse("account_logout"))
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(browser, peer.user.email, "wrong-password")
    assert LOCKED in _login(browser, peer.user.email).content.decode()


def test_an_org_admin_lifts_a_members_lockout_and_it_is_audited(
    org, member_of, client_for, settings
):
    admin = member_of(org, Role.ORG_ADMIN)
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    _lock_from("203.0.113.7", peer.user.email, settings.LOGIN_FAILURE_LIMIT)
    _spread_failures(peer.user.email, settings)
    assert LOCKED in _login(_from("203.0.113.7"), peer.user.email).content.decode()

    admin_client = client_for(admin)
    page = admin_client.get(reverse("member_edit", args=[peer.pk]))
    assert reverse("member_lockout_clear", args=[peer.pk]) in page.content.decode()
    response = admin_client.post(reverse("member_lockout_clear", args=[peer.pk]))
    assert response.status_code == 302

    back = _from("203.0.113.7")
    answer = _login(back, peer.user.email)
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert _signed_in(back)
    row = AuditEvent.objects.get(event=ACCOUNT_LOCKOUT_CLEARED)
    assert row.actor == admin.user
    assert row.organization == org
    assert row.data == {"email": peer.user.email}


def test_only_an_admin_of_the_members_organization_can_lift_it(
    org, other_org, member_of, client_for, settings
):
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    outsider = member_of(other_org, Role.ORG_ADMIN)
    manager = member_of(org, Role.PROGRAM_MANAGER)
    url = reverse("member_lockout_clear", args=[peer.pk])
    _lock_from("203.0.113.7", peer.user.email, settings.LOGIN_FAILURE_LIMIT)

    assert client_for(outsider).post(url).status_code == 404
    assert client_for(manager).post(url).status_code in (403, 404)
    assert client_for(peer).get(url).status_code in (403, 405)
    assert LOCKED in _login(_from("203.0.113.7"), peer.user.email).content.decode()
    assert not AuditEvent.objects.filter(event=ACCOUNT_LOCKOUT_CLEARED).exists()


# --- password-reset e-mails link to SITE_URL, never to the Host a visitor sent -----------


def test_the_reset_link_comes_from_site_url_not_the_host_header(
    org, member_of, settings, mailoutbox
):
    settings.SITE_URL = "https://peerpath.example.org"
    settings.ALLOWED_HOSTS = ["*"]  # a misconfigured proxy that lets any Host through
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    response = Client(HTTP_HOST="evil.test").post(
        reverse("account_reset_password"), {"email": peer.user.email}
    )
    assert response.status_code == 302
    (message,) = mailoutbox
    assert "https://peerpath.example.org/" in message.body
    assert "evil.test" not in message.body
    assert "evil.test" not in message.subject


def test_the_reset_link_sent_opens_the_reset_form(org, member_of, settings, mailoutbox):
    settings.SITE_URL = "http://testserver"
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    Client().post(reverse("account_reset_password"), {"email": peer.user.email})
    link = next(w for w in mailoutbox[0].body.split() if w.startswith("http://testserver/"))
    response = Client().get(link.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    assert b"password1" in response.content
