"""Written agreements: an eligible supervisor from the first day, and a signed agreement
in force ticks the peer's checklist item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from certification.models import Requirement
from certification.services import profile_for
from programs.models import AuditEvent
from supervision import events as supervision_events
from supervision.models import SupervisionAgreement
from supervision.services.agreements import AgreementInput, agreement_save
from tests.supervision.factories import DAY

pytestmark = pytest.mark.django_db


def test_an_ineligible_supervisor_cannot_be_named_on_a_new_agreement(sup):
    with pytest.raises(ValidationError) as err:
        agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            data=AgreementInput(supervisor=sup.rookie, supervisee=sup.peer2, starts_on=DAY),
        )
    assert "may not supervise peers yet" in err.value.message_dict["supervisor"][0]


def test_a_signed_agreement_in_force_ticks_the_written_agreement_item(sup):
    profile = profile_for(sup.peer2)
    profile.trail = "employment"
    profile.save()
    agreement_save(
        organization=sup.org,
        actor=sup.admin.user,
        data=AgreementInput(
            supervisor=sup.supervisor, supervisee=sup.peer2, starts_on=dt.date(2025, 1, 1)
        ),
    )
    item = profile.checklist.filter(requirement=Requirement.SUPERVISION_AGREEMENT).first()
    assert item is None or item.completed_on is None  # not signed yet: not satisfied
    agreement = SupervisionAgreement.objects.filter(supervisee=sup.peer2).latest("created_at")
    agreement_save(
        organization=sup.org,
        actor=sup.admin.user,
        agreement=agreement,
        data=AgreementInput(
            supervisor=sup.supervisor,
            supervisee=sup.peer2,
            starts_on=dt.date(2025, 1, 1),
            supervisor_signed_on=dt.date(2025, 1, 2),
            supervisee_signed_on=dt.date(2025, 1, 3),
        ),
    )
    item = profile.checklist.get(requirement=Requirement.SUPERVISION_AGREEMENT)
    assert item.completed_on == dt.date(2025, 1, 3)
    audits = AuditEvent.objects.filter(
        event__in=[supervision_events.AGREEMENT_CREATED, supervision_events.AGREEMENT_UPDATED]
    ).order_by("pk")
    assert [(a.event, a.actor, a.subject_id, a.data["signed"]) for a in audits] == [
        (supervision_events.AGREEMENT_CREATED, sup.admin.user, str(agreement.pk), False),
        (supervision_events.AGREEMENT_UPDATED, sup.admin.user, str(agreement.pk), True),
    ]
    assert audits[1].data["changed"] == {
        "supervisor_signed_on": ["", "2025-01-02"],
        "supervisee_signed_on": ["", "2025-01-03"],
    }


def test_a_signed_agreement_not_in_force_today_ticks_nothing(sup):
    profile = profile_for(sup.peer2)
    profile.trail = "employment"
    profile.save()
    today = sup.org.today()
    for starts_on, ends_on in (
        (today + dt.timedelta(days=1), None),  # starts tomorrow
        (today - dt.timedelta(days=30), today - dt.timedelta(days=1)),  # ended yesterday
    ):
        agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            data=AgreementInput(
                supervisor=sup.supervisor,
                supervisee=sup.peer2,
                starts_on=starts_on,
                ends_on=ends_on,
                supervisor_signed_on=today - dt.timedelta(days=40),
                supervisee_signed_on=today - dt.timedelta(days=40),
            ),
        )
    item = profile.checklist.filter(requirement=Requirement.SUPERVISION_AGREEMENT).first()
    assert item is None or item.completed_on is None


def test_moving_an_agreement_to_an_ineligible_supervisor_is_refused(sup):
    agreement = SupervisionAgreement.objects.get(supervisor=sup.supervisor, supervisee=sup.peer)
    with pytest.raises(ValidationError) as err:
        agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            agreement=agreement,
            data=AgreementInput(
                supervisor=sup.rookie, supervisee=sup.peer, starts_on=dt.date(2024, 1, 1)
            ),
        )
    assert "may not supervise peers yet" in err.value.message_dict["supervisor"][0]


def test_a_signed_agreement_that_is_not_a_pdf_or_photo_is_refused_by_the_service(sup):
    """The form checks the file too; the service does, so no other path stores one."""
    from django.core.files.base import ContentFile

    before = SupervisionAgreement.objects.count()
    with pytest.raises(ValidationError) as err:
        agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            data=AgreementInput(
                supervisor=sup.supervisor, supervisee=sup.peer2, starts_on=dt.date(2025, 1, 1)
            ),
            document=ContentFile(b"<html><script>x()</script></html>", name="agreement.pdf"),
        )
    assert "this one looks like HTML" in err.value.message_dict["document"][0]
    assert SupervisionAgreement.objects.count() == before
