"""A sign-in ends SESSION_ABSOLUTE_SECONDS after it began, however busy the person is
(config/accounts/session_lifetime.py), on top of the idle limit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.accounts.session_lifetime import SIGNED_IN_AT
from programs.models import Role

pytestmark = pytest.mark.django_db

LIST = reverse("encounter_list")


def _move_sign_in_back(client: Client, seconds: float) -> None:
    session = client.session
    session[SIGNED_IN_AT] = session[SIGNED_IN_AT] - seconds
    session.save()


def _signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


@pytest.fixture
def peer(org, member_of):
    return member_of(org, Role.PEER_SUPPORTER, mfa=False)


def test_signing_in_through_the_pages_records_when(peer, client_for):
    before = timezone.now().timestamp()
    c = client_for(peer)
    assert before <= c.session[SIGNED_IN_AT] <= timezone.now().timestamp()


def test_a_sign_in_older_than_the_limit_is_ended_with_a_message(peer, client_for, settings):
    c = client_for(peer)
    _move_sign_in_back(c, settings.SESSION_ABSOLUTE_SECONDS + 1)
    response = c.get(LIST + "?date_from=2025-01-01")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("account_login") + "?next=/encounters/%3Fdate_from%3D2025-01-01"
    )
    page = c.get(response["Location"])
    assert page.status_code == 200
    assert (
        "You were signed out because your sign-in was more than 12 hours old. "
        "Please sign in again." in page.content.decode()
    )
    assert not _signed_in(c)
    assert "_auth_user_id" not in c.session


def test_a_sign_in_just_inside_the_limit_goes_on(peer, client_for, settings):
    c = client_for(peer)
    _move_sign_in_back(c, settings.SESSION_ABSOLUTE_SECONDS - 60)
    assert c.get(LIST).status_code == 200
    assert _signed_in(c)


def test_being_active_all_day_does_not_extend_it(peer, client_for, settings):
    """A request every 50 minutes keeps the idle limit (an hour) from ever ending the sign-in;
    it still ends at the absolute limit."""
    settings.SESSION_ABSOLUTE_SECONDS = 4 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        c = client_for(peer)
        for _ in range(4):  # 50, 100, 150, 200 minutes: inside four hours
            clock.shift(dt.timedelta(minutes=50))
            assert c.get(LIST).status_code == 200
        clock.shift(dt.timedelta(minutes=50))  # 250 minutes, 50 since the last request
        response = c.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not _signed_in(c)


def test_a_session_without_a_sign_in_time_is_ended(peer, client_for):
    c = client_for(peer)
    session = c.session
    del session[SIGNED_IN_AT]
    session.save()
    assert c.get(LIST).status_code == 302
    assert not _signed_in(c)


def test_an_htmx_request_sends_the_whole_page_to_sign_in(peer, client_for, settings):
    c = client_for(peer)
    _move_sign_in_back(c, settings.SESSION_ABSOLUTE_SECONDS + 1)
    response = c.get(LIST, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login") + "?next=")
    assert not _signed_in(c)
