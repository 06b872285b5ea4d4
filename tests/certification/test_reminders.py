"""Reminders go exactly once per person, kind and period, even when the daily run repeats
or two workers run it at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from celery import _state as celery_state
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from certification.models import Certification, SentReminder
from certification.services import ceu_add
from certification.tasks import certification_daily
from programs.models import Notification, Role


def _at(day: dt.date):
    return time_machine.travel(timezone.make_aware(dt.datetime(day.year, day.month, day.day, 9)))


@pytest.mark.django_db(transaction=True)
def test_the_daily_run_twice_sends_each_reminder_once(org, peer_profile, member_of, program_in):
    program = program_in(org)
    profile = peer_profile(org, certified_on=dt.date(2023, 1, 5), programs=[program], mfa=False)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    ceu_add(profile=profile, actor=None, date=dt.date(2025, 1, 20), hours=Decimal(2), title="A")
    with _at(dt.date(2025, 10, 1)):
        certification_daily()
        certification_daily()
    kinds = sorted(SentReminder.objects.values_list("kind", "period"))
    assert kinds == [
        ("ceu_behind", "2025"),
        ("ceu_escalation", "2025-10"),
        ("ceu_progress", "2025-10"),
    ]
    peer_notes = Notification.objects.filter(user=profile.membership.user)
    assert peer_notes.count() == 2  # progress and behind
    escalation = Notification.objects.get(user=manager.user)
    assert str(profile.membership.user) in escalation.title
    assert len(mail.outbox) == 3
    # E-mails carry CEU hours only: no client appears anywhere in them.
    assert all("client" not in str(m.body).lower() for m in mail.outbox)
    # Next month: a new progress note, no second "behind", no escalation in November.
    with _at(dt.date(2025, 11, 3)):
        certification_daily()
    assert SentReminder.objects.filter(kind="ceu_progress").count() == 2
    assert SentReminder.objects.filter(kind="ceu_behind").count() == 1
    assert SentReminder.objects.filter(kind="ceu_escalation").count() == 1


@pytest.mark.django_db(transaction=True)
def test_renewal_reminder_at_60_days_then_30_then_7(org, peer_profile):
    profile = peer_profile(org, certified_on=dt.date(2023, 1, 5), mfa=False)
    Certification.objects.filter(profile=profile).update(expires_on=dt.date(2025, 6, 30))
    ceu_add(profile=profile, actor=None, date=dt.date(2025, 1, 20), hours=Decimal(20), title="A")
    for day in (
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 1),
        dt.date(2025, 5, 2),
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 23),
        dt.date(2025, 6, 29),
    ):
        with _at(day):
            certification_daily()
    periods = sorted(SentReminder.objects.filter(kind="renewal").values_list("period", flat=True))
    assert periods == ["2025-06-30/30", "2025-06-30/60", "2025-06-30/7"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_workers_running_the_daily_task_at_once_send_once(org, peer_profile):
    profile = peer_profile(org, certified_on=dt.date(2023, 1, 5), mfa=False)
    ceu_add(profile=profile, actor=None, date=dt.date(2025, 1, 20), hours=Decimal(2), title="A")
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def worker() -> None:
        try:
            barrier.wait(10)
            certification_daily()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with _at(dt.date(2025, 7, 2)):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    # Eager Celery tasks save and restore a process-wide "no result.get() here" flag; four
    # threads doing so at once can leave it set. Real workers are separate processes.
    celery_state._set_task_join_will_block(False)  # type: ignore[attr-defined]
    assert not errors
    assert SentReminder.objects.count() == 2  # progress and behind, once each
    assert Notification.objects.filter(user=profile.membership.user).count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_someone_who_left_keeps_that_status_and_gets_no_reminders(org, peer_profile):
    from certification.models import CertificationStatus

    profile = peer_profile(org, certified_on=dt.date(2020, 1, 5), mfa=False)
    profile.status = CertificationStatus.SEPARATED
    profile.separated_on, profile.separation_reason = dt.date(2025, 3, 1), "poor_fit"
    profile.save()
    Certification.objects.filter(profile=profile).update(expires_on=dt.date(2025, 4, 1))
    with _at(dt.date(2025, 10, 1)):
        certification_daily()
    profile.refresh_from_db()
    assert profile.status == CertificationStatus.SEPARATED
    [lapse] = Certification.objects.get(profile=profile).lapses.all()
    assert lapse.starts_on == dt.date(2025, 4, 2)
    assert not SentReminder.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_newer_certification_keeps_the_peer_certified(org, peer_profile):
    from certification.services import certification_record

    profile = peer_profile(org, certified_on=dt.date(2020, 1, 5), mfa=False)
    Certification.objects.filter(profile=profile).update(expires_on=dt.date(2024, 1, 4))
    certification_record(
        profile=profile, actor=None, number="BHPSS-2", issued_on=dt.date(2024, 1, 5)
    )
    with _at(dt.date(2025, 3, 1)):
        certification_daily()
    profile.refresh_from_db()
    assert profile.status == "certified"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_daily_runs_at_once_lapse_a_certification_once(org, peer_profile):
    from programs.models import AuditEvent

    profile = peer_profile(org, certified_on=dt.date(2020, 1, 5), mfa=False)
    Certification.objects.filter(profile=profile).update(expires_on=dt.date(2024, 1, 4))
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait(10)
            certification_daily()
        finally:
            connections.close_all()

    with _at(dt.date(2025, 3, 1)):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    celery_state._set_task_join_will_block(False)  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(event="certification.lapsed").count() == 1
