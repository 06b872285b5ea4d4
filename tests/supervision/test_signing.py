"""Signing a log: only its supervisor, eligible, with both statements, typing their
password or a code again (wrong ones are audited and limited), the version they were shown;
the supervisees are told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs.models import AuditEvent, Notification
from supervision import events as supervision_events
from supervision.models import SupervisionLog
from supervision.services.logs import LogInput, log_save
from supervision.services.signing import (
    SIGN_TRIES,
    SIGN_TRIES_MINUTES,
    WRONG_CREDENTIAL,
    content_version,
    log_sign,
    log_signature,
    signature_holds,
)
from tests.factories import TEST_PASSWORD, totp_code
from tests.supervision.factories import DAY, sign, write

pytestmark = pytest.mark.django_db


def test_an_ineligible_supervisor_may_write_a_log_but_not_sign_it(sup):
    log = write(sup, supervisor=sup.rookie)
    with pytest.raises(ValidationError, match="may not supervise peers yet"):
        log_sign(log=log, actor=sup.rookie.user, credential=TEST_PASSWORD)
    log.refresh_from_db()
    assert not log.is_signed


def test_signing_needs_the_password_again_and_a_wrong_one_signs_nothing(sup):
    log = write(sup)
    with pytest.raises(ValidationError) as err:
        log_sign(log=log, actor=sup.supervisor.user, credential="not-it")
    assert err.value.message_dict["credential"] == [WRONG_CREDENTIAL]
    log.refresh_from_db()
    assert not log.is_signed
    refused = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_SIGN_FAILED)
    assert list(refused.values_list("actor", "organization", "subject_id", "data")) == [
        (sup.supervisor.user.pk, sup.org.pk, "", {"what": f"log {log.pk}"})
    ]
    signed = sign(sup, log)
    assert signed.signed_by == sup.supervisor.user and signed.signed_at is not None
    [audit] = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_SIGNED)
    assert (audit.actor, audit.organization, audit.subject_type, audit.subject_id) == (
        sup.supervisor.user,
        sup.org,
        "supervision.supervisionlog",
        str(log.pk),
    )
    assert audit.data == {"hash": signed.signature_hash}
    assert signed.signature_hash == log_signature(signed)
    assert signature_holds(signed)
    # A change written behind the app's back (not knowing the key) no longer matches.
    signed.notes = "rewritten"
    assert not signature_holds(signed)


def test_a_code_from_the_authenticator_app_also_signs(sup):
    log = write(sup)
    # A code is good for its own 30-second step only: the clock stands still meanwhile.
    with time_machine.travel(timezone.now(), tick=False):
        code = totp_code(sup.supervisor.totp_secret)
        signed = log_sign(log=log, actor=sup.supervisor.user, credential=code)
    assert signed.is_signed


def test_only_the_supervisor_of_record_signs_and_only_with_both_statements(sup):
    log = write(sup, signoff_interventions=False)
    with pytest.raises(ValidationError, match="Only the supervisor of record"):
        log_sign(log=log, actor=sup.rookie.user, credential=TEST_PASSWORD)
    with pytest.raises(ValidationError, match="both sign-off statements"):
        sign(sup, log)
    assert not SupervisionLog.objects.get(pk=log.pk).is_signed


def test_signing_tells_each_supervisee_without_client_details(sup):
    log = write(sup, supervisees=[sup.peer, sup.peer2])
    sign(sup, log)
    notes = Notification.objects.filter(user__in=[sup.peer.user, sup.peer2.user])
    assert notes.count() == 2
    for note in notes:
        assert "RC-1" not in note.title + note.body and "rides" not in note.body


def test_a_version_changed_since_it_was_shown_is_not_signed(sup):
    log = write(sup)
    shown = content_version(log)
    log_save(
        supervisor=sup.supervisor,
        actor=sup.supervisor.user,
        data=LogInput(
            date=DAY,
            start_time=dt.time(9),
            end_time=dt.time(11),
            supervisees=[sup.peer],
            signoff_assessments=True,
            signoff_interventions=True,
        ),
        log=log,
    )
    with pytest.raises(ValidationError, match="changed since this page was opened"):
        log_sign(log=log, actor=sup.supervisor.user, credential=TEST_PASSWORD, version=shown)
    assert not SupervisionLog.objects.get(pk=log.pk).is_signed


def test_wrong_passwords_are_limited(sup):
    log = write(sup)
    first_try = timezone.now()
    with time_machine.travel(first_try, tick=False):
        for _ in range(SIGN_TRIES):
            with pytest.raises(ValidationError):
                log_sign(log=log, actor=sup.supervisor.user, credential="guess")
    refused = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_SIGN_FAILED)
    assert refused.count() == SIGN_TRIES
    with (
        time_machine.travel(first_try + dt.timedelta(minutes=SIGN_TRIES_MINUTES), tick=False),
        pytest.raises(ValidationError) as err,
    ):
        sign(sup, log)  # even the right password, for a while
    assert "Too many wrong" in err.value.message_dict["credential"][0]
    assert not SupervisionLog.objects.get(pk=log.pk).is_signed
    assert refused.count() == SIGN_TRIES  # refused outright: not one more wrong try
    later = first_try + dt.timedelta(minutes=SIGN_TRIES_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        assert sign(sup, log).is_signed
