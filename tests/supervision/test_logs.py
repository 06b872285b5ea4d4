"""Writing the log: names, license and certification numbers as they were that day,
agreements, the same form sent twice, the page; and the 7-year retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import AuditEvent, Role
from supervision import events as supervision_events
from supervision.models import LicenseType, SignedLogIsReadOnly, SupervisionLog
from supervision.services.logs import LogInput, log_delete, log_save
from supervision.services.supervisors import supervisor_profile_save
from tests.supervision.factories import DAY, write

pytestmark = pytest.mark.django_db


def test_the_log_records_license_and_certification_numbers_as_they_were_that_day(sup):
    log = write(sup)
    supervisor_profile_save(
        membership=sup.supervisor,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-NEW",
        licensed_on=dt.date(2015, 6, 1),
    )
    log.refresh_from_db()
    attendee = log.attendees.get()
    assert (log.supervisor_license_number, attendee.certification_number) == (
        "LCSW-100",
        "CBHPSS-7",
    )
    assert log.minutes == 60
    assert list(log.clients.values_list("client_code", "phase")) == [("RC-1", "connecting")]


def test_a_peer_without_an_agreement_that_day_cannot_be_on_the_log(sup, member_of):
    stranger = member_of(sup.org, Role.PEER_SUPPORTER, programs=[sup.program])
    with pytest.raises(ValidationError) as err:
        write(sup, supervisees=[sup.peer, stranger])
    assert "no supervision agreement with you" in err.value.message_dict["supervisees"][0]
    assert not SupervisionLog.objects.exists()


def test_the_same_form_sent_twice_writes_one_log(sup):
    import uuid

    key = uuid.uuid4()
    data = LogInput(date=DAY, start_time=dt.time(9), end_time=dt.time(10), supervisees=[sup.peer])
    first, created = log_save(
        supervisor=sup.supervisor, actor=sup.supervisor.user, data=data, submission_key=key
    )
    again, created_again = log_save(
        supervisor=sup.supervisor, actor=sup.supervisor.user, data=data, submission_key=key
    )
    assert (first.pk, created, created_again) == (again.pk, True, False)
    assert SupervisionLog.objects.count() == 1
    written = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_CREATED)
    assert list(written.values_list("actor", "organization", "subject_id")) == [
        (sup.supervisor.user.pk, sup.org.pk, str(first.pk))
    ]


def test_a_supervisor_writes_a_log_on_the_page_and_a_bad_time_keeps_what_was_typed(sup, client_for):
    c = client_for(sup.supervisor)
    page = c.get(reverse("supervision_log_create"))
    key = page.context["form"].initial["submission_key"]
    data = {
        "submission_key": key,
        "date": "2025-03-04",
        "start_time": "10:00",
        "end_time": "09:30",
        "supervisees": [sup.peer.pk],
        "topics": ["check_in"],
        "notes": "Talked about scope of practice.",
    }
    response = c.post(reverse("supervision_log_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["end_time"]
    assert "Talked about scope of practice." in response.content.decode()
    response = c.post(reverse("supervision_log_create"), {**data, "end_time": "11:15"})
    log = SupervisionLog.objects.get()
    assert response["Location"] == reverse("supervision_log", args=[log.pk])
    assert log.minutes == 75


def test_a_log_is_never_deleted_and_the_app_says_why(sup, client_for):
    log = write(sup)
    with pytest.raises(ValidationError, match="kept for 7 years"):
        log_delete(log=log, actor=sup.admin.user)
    with pytest.raises(SignedLogIsReadOnly):
        log.delete()
    with pytest.raises(SignedLogIsReadOnly):
        SupervisionLog.objects.filter(pk=log.pk).delete()
    response = client_for(sup.supervisor).post(
        reverse("supervision_log_delete", args=[log.pk]), follow=True
    )
    assert "kept for 7 years" in response.content.decode()
    assert SupervisionLog.objects.filter(pk=log.pk).exists()
    refused = AuditEvent.objects.filter(event=supervision_events.SUPERVISION_DELETE_REFUSED)
    assert list(refused.order_by("pk").values_list("actor", "organization", "subject_id")) == [
        (sup.admin.user.pk, sup.org.pk, str(log.pk)),
        (sup.supervisor.user.pk, sup.org.pk, str(log.pk)),
    ]
