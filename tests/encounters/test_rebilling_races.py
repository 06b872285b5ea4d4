"""Billing follows a certification change made at the same moment as an encounter is
saved, in either order. PostgreSQL only: SQLite serializes every write anyway."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from certification import services as cert_services
from certification.models import Certification
from encounters.models import Encounter
from tests.encounters.conftest import county_payer, save_encounter
from tests.programs.test_races import _in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks"),
]

LAPSE_DAY = dt.date(2025, 8, 20)


def _expired(s) -> Certification:
    # The organization's own payer: a transactional test's flush takes the shared Medicaid
    # payer (seeded by a migration) away from the tests after the first.
    s.county = county_payer(s)
    cert = Certification.objects.get(profile__membership=s.peer)
    cert.expires_on = dt.date(2025, 6, 30)
    cert.save()
    return cert


def _renew(s, cert):
    cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=dt.date(2025, 8, 1),
        expires_on=dt.date(2027, 6, 30),
    )


def _race(first, second):
    errors: list[Exception] = []
    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for t in threads:
        t.join(30)
    assert not errors


def test_an_encounter_saved_while_a_renewal_commits_bills_by_the_renewal(setup):
    s = setup
    cert = _expired(s)
    renewed = threading.Event()

    def renewal():
        with transaction.atomic():
            _renew(s, cert)
            renewed.set()
            threading.Event().wait(1.0)  # hold the transaction open

    def encounter():
        renewed.wait(5)
        save_encounter(s, date=LAPSE_DAY, payer=s.county)

    _race(renewal, encounter)
    assert Encounter.objects.get(date=LAPSE_DAY).billable


def test_a_renewal_made_while_an_encounter_is_being_saved_rebills_it(setup):
    s = setup
    cert = _expired(s)
    saved = threading.Event()

    def encounter():
        with transaction.atomic():
            save_encounter(s, date=LAPSE_DAY, payer=s.county)
            saved.set()
            threading.Event().wait(1.0)

    def renewal():
        saved.wait(5)
        _renew(s, cert)

    _race(encounter, renewal)
    assert Encounter.objects.get(date=LAPSE_DAY).billable
