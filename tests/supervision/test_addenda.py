"""Addenda to a signed log, signed with a password again, and each supervisee's
acknowledgment from their own account."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import AuditEvent
from supervision import events as supervision_events
from supervision.models import Acknowledgment, Addendum, SupervisionLog
from supervision.services.addenda import addendum_add, log_acknowledge
from supervision.services.signing import signature_holds
from tests.factories import TEST_PASSWORD
from tests.supervision.factories import sign, write

pytestmark = pytest.mark.django_db


def test_an_addendum_is_signed_and_leaves_the_log_as_it_was(sup, client_for):
    log = sign(sup, write(sup))
    with pytest.raises(ValidationError):
        addendum_add(log=log, actor=sup.supervisor.user, text="Correction", credential="wrong")
    # A wrong password or code counts toward the same limit as signing a log.
    refused = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_SIGN_FAILED)
    assert list(refused.values_list("actor", "organization", "data")) == [
        (sup.supervisor.user.pk, sup.org.pk, {"what": f"addendum {log.pk}"})
    ]
    addendum = addendum_add(
        log=log,
        actor=sup.supervisor.user,
        text="The session ended at 10:10, not 10:00.",
        credential=TEST_PASSWORD,
    )
    assert addendum.signature_hash and Addendum.objects.count() == 1
    [audit] = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_ADDENDUM)
    assert (audit.actor, audit.organization, audit.subject_id) == (
        sup.supervisor.user,
        sup.org,
        str(log.pk),
    )
    assert audit.data == {"addendum": addendum.pk, "hash": addendum.signature_hash}
    fresh = SupervisionLog.objects.get(pk=log.pk)
    assert fresh.minutes == 60 and signature_holds(fresh)
    page = client_for(sup.peer).get(reverse("supervision_log", args=[log.pk])).content.decode()
    assert "ended at 10:10" in page and "Boundaries around rides." in page


def test_an_unsigned_log_takes_no_addendum(sup):
    log = write(sup)
    with pytest.raises(ValidationError, match="Sign the log first"):
        addendum_add(log=log, actor=sup.supervisor.user, text="x", credential=TEST_PASSWORD)


def test_each_supervisee_acknowledges_once_from_their_own_account(sup, client_for):
    log = write(sup, supervisees=[sup.peer, sup.peer2])
    with pytest.raises(ValidationError, match="not signed yet"):
        log_acknowledge(log=log, supervisee=sup.peer)
    sign(sup, log)
    c = client_for(sup.peer)
    c.post(reverse("supervision_acknowledge", args=[log.pk]))
    c.post(reverse("supervision_acknowledge", args=[log.pk]))
    assert Acknowledgment.objects.filter(log=log).count() == 1
    acknowledged = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_ACKNOWLEDGED)
    assert list(acknowledged.values_list("actor", "organization", "subject_id")) == [
        (sup.peer.user.pk, sup.org.pk, str(log.pk))
    ]
    with pytest.raises(ValidationError, match="Only a supervisee"):
        log_acknowledge(log=log, supervisee=sup.manager)


def test_an_addendum_sent_twice_is_added_once(sup):
    import uuid

    log = sign(sup, write(sup))
    key = uuid.uuid4()
    for _ in range(2):
        addendum_add(
            log=log,
            actor=sup.supervisor.user,
            text="Same",
            credential=TEST_PASSWORD,
            submission_key=key,
        )
    assert Addendum.objects.filter(log=log).count() == 1
    assert AuditEvent.objects.filter(event=supervision_events.SUPERVISION_ADDENDUM).count() == 1
