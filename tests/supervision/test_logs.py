"""The supervision log: eligibility to supervise, writing, signing with a password or code
again, the read-only signed log (every path, down to raw SQL on PostgreSQL), addenda,
acknowledgments, the 7-year retention, the monthly ratio and its warnings, the record PDF."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from certification.models import Certification, Requirement
from certification.services import profile_for
from encounters.models import Client
from programs.models import AuditEvent, Notification, Role
from supervision import rules, selectors, services
from supervision.models import (
    Acknowledgment,
    Addendum,
    HoursWorked,
    LicenseType,
    LogAttendee,
    ShortMonthWarning,
    SignedLogIsReadOnly,
    SupervisionAgreement,
    SupervisionLog,
)
from supervision.services import AgreementInput, LogInput
from tests.factories import TEST_PASSWORD, totp_code

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 4)
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database trigger is PostgreSQL's"
)


@pytest.fixture
def sup(org, member_of, program_in) -> Any:
    """An eligible supervisor with two peers under agreements, one client each; a second
    supervisor who is not eligible; a manager and an admin."""
    program = program_in(org, name="Recovery Coaching")
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program], first_name="Sam")
    rookie = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program], first_name="Rue")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat")
    peer2 = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Olu")
    services.supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-100",
        licensed_on=dt.date(2015, 6, 1),
    )
    services.supervisor_profile_save(
        membership=rookie,
        actor=None,
        license_type=LicenseType.PROFESSIONAL_COUNSELOR,
        license_number="LCPC-9",
        licensed_on=dt.date(2024, 6, 1),
    )
    for p in (peer, peer2):
        SupervisionAgreement.objects.create(
            supervisor=supervisor, supervisee=p, starts_on=dt.date(2024, 1, 1)
        )
        SupervisionAgreement.objects.create(
            supervisor=rookie, supervisee=p, starts_on=dt.date(2024, 1, 1)
        )
    Certification.objects.create(
        profile=profile_for(peer), number="CBHPSS-7", issued_on=dt.date(2024, 1, 1)
    )
    client = Client.objects.create(
        program=program, code="RC-1", assigned_peer=peer, enrolled_on=dt.date(2024, 1, 1)
    )
    return SimpleNamespace(
        org=org,
        program=program,
        supervisor=supervisor,
        rookie=rookie,
        peer=peer,
        peer2=peer2,
        client=client,
        manager=member_of(org, Role.PROGRAM_MANAGER, programs=[program]),
        admin=member_of(org, Role.ORG_ADMIN),
    )


def write(s: Any, *, supervisor: Any = None, **changes: Any) -> SupervisionLog:
    values: dict[str, Any] = dict(
        date=DAY,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 0),
        supervisees=[s.peer],
        topics=["check_in", "ethics_boundaries"],
        clients=[(s.client, "connecting")],
        notes="Boundaries around rides.",
        signoff_assessments=True,
        signoff_interventions=True,
    )
    values.update(changes)
    supervisor = supervisor or s.supervisor
    log, _ = services.log_save(
        supervisor=supervisor, actor=supervisor.user, data=LogInput(**values)
    )
    return log


def sign(s: Any, log: SupervisionLog) -> SupervisionLog:
    return services.log_sign(log=log, actor=s.supervisor.user, credential=TEST_PASSWORD)


# --- who may supervise ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("licensed_on", "ceus", "day", "eligible"),
    [
        (dt.date(2022, 3, 4), Decimal(0), DAY, True),  # exactly 3 years
        (dt.date(2022, 3, 5), Decimal(0), DAY, False),  # a day short
        (dt.date(2024, 3, 5), Decimal(20), DAY, True),  # 20 supervision CEUs
        (dt.date(2024, 3, 5), Decimal("19.75"), DAY, False),
        (dt.date(2020, 2, 29), Decimal(0), dt.date(2023, 2, 28), True),  # a leap-day license
        (None, Decimal(40), DAY, False),  # no license date
    ],
)
def test_eligibility_is_three_years_of_license_or_twenty_supervision_ceus(
    licensed_on, ceus, day, eligible
):
    assert (
        rules.supervisor_eligible_on(
            day, license_type="social_worker", licensed_on=licensed_on, ceu_hours=ceus
        )
        is eligible
    )


def test_without_a_license_type_nobody_is_eligible():
    assert not rules.supervisor_eligible_on(
        DAY, license_type="", licensed_on=dt.date(2000, 1, 1), ceu_hours=Decimal(50)
    )


def test_an_ineligible_supervisor_cannot_be_named_on_a_new_agreement(sup):
    with pytest.raises(ValidationError) as err:
        services.agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            data=AgreementInput(supervisor=sup.rookie, supervisee=sup.peer2, starts_on=DAY),
        )
    assert "may not supervise peers yet" in err.value.message_dict["supervisor"][0]


def test_an_ineligible_supervisor_may_write_a_log_but_not_sign_it(sup):
    log = write(sup, supervisor=sup.rookie)
    with pytest.raises(ValidationError, match="may not supervise peers yet"):
        services.log_sign(log=log, actor=sup.rookie.user, credential=TEST_PASSWORD)
    log.refresh_from_db()
    assert not log.is_signed


def test_a_signed_agreement_in_force_ticks_the_written_agreement_item(sup):
    profile = profile_for(sup.peer2)
    profile.trail = "employment"
    profile.save()
    services.agreement_save(
        organization=sup.org,
        actor=sup.admin.user,
        data=AgreementInput(
            supervisor=sup.supervisor, supervisee=sup.peer2, starts_on=dt.date(2025, 1, 1)
        ),
    )
    item = profile.checklist.filter(requirement=Requirement.SUPERVISION_AGREEMENT).first()
    assert item is None or item.completed_on is None  # not signed yet: not satisfied
    agreement = SupervisionAgreement.objects.filter(supervisee=sup.peer2).latest("created_at")
    services.agreement_save(
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


# --- writing the log -----------------------------------------------------------------------


def test_the_log_records_license_and_certification_numbers_as_they_were_that_day(sup):
    log = write(sup)
    services.supervisor_profile_save(
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
    first, created = services.log_save(
        supervisor=sup.supervisor, actor=sup.supervisor.user, data=data, submission_key=key
    )
    again, created_again = services.log_save(
        supervisor=sup.supervisor, actor=sup.supervisor.user, data=data, submission_key=key
    )
    assert (first.pk, created, created_again) == (again.pk, True, False)
    assert SupervisionLog.objects.count() == 1


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


# --- signing ---------------------------------------------------------------------------------


def test_signing_needs_the_password_again_and_a_wrong_one_signs_nothing(sup):
    log = write(sup)
    with pytest.raises(ValidationError) as err:
        services.log_sign(log=log, actor=sup.supervisor.user, credential="not-it")
    assert err.value.message_dict["credential"] == [services.WRONG_CREDENTIAL]
    log.refresh_from_db()
    assert not log.is_signed
    assert AuditEvent.objects.filter(event="supervision.sign_failed").exists()
    signed = sign(sup, log)
    assert signed.signed_by == sup.supervisor.user and signed.signed_at is not None
    assert signed.signature_hash == services.log_signature(signed)
    assert services.signature_holds(signed)
    # A change written behind the app's back (not knowing the key) no longer matches.
    signed.notes = "rewritten"
    assert not services.signature_holds(signed)


def test_a_code_from_the_authenticator_app_also_signs(sup):
    log = write(sup)
    code = totp_code(sup.supervisor.totp_secret)
    signed = services.log_sign(log=log, actor=sup.supervisor.user, credential=code)
    assert signed.is_signed


def test_only_the_supervisor_of_record_signs_and_only_with_both_statements(sup):
    log = write(sup, signoff_interventions=False)
    with pytest.raises(ValidationError, match="Only the supervisor of record"):
        services.log_sign(log=log, actor=sup.rookie.user, credential=TEST_PASSWORD)
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


# --- a signed log does not change --------------------------------------------------------------


def test_a_signed_log_refuses_every_change_from_the_application(sup, client_for):
    log = sign(sup, write(sup))
    with pytest.raises(ValidationError, match="already signed"):
        services.log_save(
            supervisor=sup.supervisor,
            actor=sup.supervisor.user,
            data=LogInput(
                date=DAY, start_time=dt.time(9), end_time=dt.time(12), supervisees=[sup.peer]
            ),
            log=log,
        )
    log.notes = "rewritten"
    with pytest.raises(SignedLogIsReadOnly):
        log.save()
    with pytest.raises(SignedLogIsReadOnly):
        SupervisionLog.objects.filter(pk=log.pk).update(notes="rewritten")
    with pytest.raises(ValidationError, match="already signed"):
        services.log_sign(log=log, actor=sup.supervisor.user, credential=TEST_PASSWORD)
    # The page shows no form, and a posted change is refused without a server error.
    c = client_for(sup.supervisor)
    page = c.get(reverse("supervision_log", args=[log.pk]))
    assert page.context["form"] is None and page.context["signature_holds"]
    response = c.post(
        reverse("supervision_log", args=[log.pk]),
        follow=True,
        data={
            "submission_key": "6f1c2a4e-0000-4000-8000-000000000001",
            "date": "2025-03-04",
            "start_time": "09:00",
            "end_time": "12:00",
            "supervisees": [sup.peer.pk],
        },
    )
    assert response.status_code == 200
    # Refused by the service (the form itself was valid), and said so.
    assert "already signed" in response.content.decode()
    fresh = SupervisionLog.objects.get(pk=log.pk)
    assert (fresh.notes, fresh.minutes) == ("Boundaries around rides.", 60)


@pg_only
def test_raw_sql_cannot_change_a_signed_log_or_its_parts_on_postgresql(sup):
    log = sign(sup, write(sup))
    attendee = log.attendees.get()
    for sql, args in (
        ("UPDATE supervision_supervisionlog SET notes = 'x' WHERE id = %s", [log.pk]),
        (
            "UPDATE supervision_logattendee SET certification_number = 'x' WHERE id = %s",
            [attendee.pk],
        ),
        ("DELETE FROM supervision_logattendee WHERE id = %s", [attendee.pk]),
        ("DELETE FROM supervision_logclient WHERE log_id = %s", [log.pk]),
        (
            "INSERT INTO supervision_logattendee (log_id, supervisee_id, supervisee_name, "
            "certification_number) VALUES (%s, %s, 'Extra', '')",
            [log.pk, sup.peer2.pk],
        ),
    ):
        with (
            pytest.raises(DatabaseError, match="signed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, args)
    fresh = SupervisionLog.objects.get(pk=log.pk)
    assert fresh.notes == "Boundaries around rides." and services.signature_holds(fresh)
    assert LogAttendee.objects.filter(log=log).count() == 1


@pg_only
def test_an_unsigned_log_may_still_be_edited_on_postgresql(sup):
    log = write(sup)
    write_again = services.log_save(
        supervisor=sup.supervisor,
        actor=sup.supervisor.user,
        data=LogInput(
            date=DAY,
            start_time=dt.time(9),
            end_time=dt.time(11),
            supervisees=[sup.peer, sup.peer2],
        ),
        log=log,
    )[0]
    assert write_again.minutes == 120 and write_again.attendees.count() == 2


# --- addenda and acknowledgments ----------------------------------------------------------------


def test_an_addendum_is_signed_and_leaves_the_log_as_it_was(sup, client_for):
    log = sign(sup, write(sup))
    with pytest.raises(ValidationError):
        services.addendum_add(
            log=log, actor=sup.supervisor.user, text="Correction", credential="wrong"
        )
    addendum = services.addendum_add(
        log=log,
        actor=sup.supervisor.user,
        text="The session ended at 10:10, not 10:00.",
        credential=TEST_PASSWORD,
    )
    assert addendum.signature_hash and Addendum.objects.count() == 1
    fresh = SupervisionLog.objects.get(pk=log.pk)
    assert fresh.minutes == 60 and services.signature_holds(fresh)
    page = client_for(sup.peer).get(reverse("supervision_log", args=[log.pk])).content.decode()
    assert "ended at 10:10" in page and "Boundaries around rides." in page


def test_an_unsigned_log_takes_no_addendum(sup):
    log = write(sup)
    with pytest.raises(ValidationError, match="Sign the log first"):
        services.addendum_add(
            log=log, actor=sup.supervisor.user, text="x", credential=TEST_PASSWORD
        )


@pg_only
def test_addenda_and_acknowledgments_cannot_be_rewritten_on_postgresql(sup):
    log = sign(sup, write(sup))
    services.addendum_add(log=log, actor=sup.supervisor.user, text="A", credential=TEST_PASSWORD)
    services.log_acknowledge(log=log, supervisee=sup.peer)
    for sql in (
        "UPDATE supervision_addendum SET text = 'B'",
        "DELETE FROM supervision_acknowledgment",
    ):
        with (
            pytest.raises(DatabaseError, match="cannot be changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_each_supervisee_acknowledges_once_from_their_own_account(sup, client_for):
    log = write(sup, supervisees=[sup.peer, sup.peer2])
    with pytest.raises(ValidationError, match="not signed yet"):
        services.log_acknowledge(log=log, supervisee=sup.peer)
    sign(sup, log)
    c = client_for(sup.peer)
    c.post(reverse("supervision_acknowledge", args=[log.pk]))
    c.post(reverse("supervision_acknowledge", args=[log.pk]))
    assert Acknowledgment.objects.filter(log=log).count() == 1
    with pytest.raises(ValidationError, match="Only a supervisee"):
        services.log_acknowledge(log=log, supervisee=sup.manager)


# --- retention --------------------------------------------------------------------------------


def test_a_log_is_never_deleted_and_the_app_says_why(sup, client_for):
    log = write(sup)
    with pytest.raises(ValidationError, match="kept for 7 years"):
        services.log_delete(log=log, actor=sup.admin.user)
    with pytest.raises(SignedLogIsReadOnly):
        log.delete()
    with pytest.raises(SignedLogIsReadOnly):
        SupervisionLog.objects.filter(pk=log.pk).delete()
    response = client_for(sup.supervisor).post(
        reverse("supervision_log_delete", args=[log.pk]), follow=True
    )
    assert "kept for 7 years" in response.content.decode()
    assert SupervisionLog.objects.filter(pk=log.pk).exists()
    assert AuditEvent.objects.filter(event="supervision.delete_refused").count() == 2


@pg_only
def test_raw_sql_cannot_delete_a_log_in_its_retention_on_postgresql(sup):
    log = write(sup)
    with (
        pytest.raises(DatabaseError, match="kept for 7 years"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM supervision_supervisionlog WHERE id = %s", [log.pk])
    assert SupervisionLog.objects.filter(pk=log.pk).exists()


# --- the ratio ----------------------------------------------------------------------------------


def hours(peer: Any, day: dt.date, h: str) -> None:
    HoursWorked.objects.create(peer=peer, date=day, hours=Decimal(h))


def ratio_of(s: Any, peer: Any, year: int = 2025, month: int = 3) -> rules.MonthRatio:
    [row] = [
        r
        for r in selectors.month_ratios(selectors.peers_for(s.admin), year=year, month=month)
        if r.peer == peer
    ]
    return row.ratio


def test_no_hours_need_no_supervision(sup):
    r = ratio_of(sup, sup.peer)
    assert (r.hours_worked, r.required_minutes, r.received_minutes, r.compliant) == (
        0,
        0,
        0,
        True,
    )


def test_twenty_hours_need_exactly_one_hour(sup):
    hours(sup.peer, DAY, "12")
    hours(sup.peer, DAY + dt.timedelta(days=1), "8")
    sign(sup, write(sup, end_time=dt.time(9, 59)))
    r = ratio_of(sup, sup.peer)
    assert (r.required_minutes, r.received_minutes, r.balance_minutes, r.compliant) == (
        60,
        59,
        -1,
        False,
    )
    sign(
        sup,
        write(
            sup, date=DAY + dt.timedelta(days=2), start_time=dt.time(14), end_time=dt.time(14, 1)
        ),
    )
    r = ratio_of(sup, sup.peer)
    assert (r.balance_minutes, r.compliant) == (0, True)


def test_a_group_session_counts_in_full_for_each_attendee_and_unsigned_counts_nothing(sup):
    sign(sup, write(sup, supervisees=[sup.peer, sup.peer2], end_time=dt.time(10, 30)))
    write(sup, date=DAY + dt.timedelta(days=1))  # not signed
    assert ratio_of(sup, sup.peer).received_minutes == 90
    assert ratio_of(sup, sup.peer2).received_minutes == 90


def test_sessions_and_hours_count_in_the_month_of_their_date(sup):
    hours(sup.peer, dt.date(2025, 3, 31), "10")
    hours(sup.peer, dt.date(2025, 4, 1), "20")
    sign(sup, write(sup, date=dt.date(2025, 3, 31)))
    sign(sup, write(sup, date=dt.date(2025, 4, 1), end_time=dt.time(9, 30)))
    march, april = ratio_of(sup, sup.peer, month=3), ratio_of(sup, sup.peer, month=4)
    assert (march.hours_worked, march.received_minutes, march.required_minutes) == (10, 60, 30)
    assert (april.hours_worked, april.received_minutes, april.required_minutes) == (20, 30, 60)


def test_a_paper_log_signed_on_paper_counts(sup):
    services.log_import(
        organization=sup.org,
        actor=None,
        external_id="P-1",
        supervisor=sup.supervisor,
        supervisees=[sup.peer],
        date=DAY,
        start_time=dt.time(9),
        end_time=dt.time(9, 45),
        signed_on=DAY,
    )
    assert ratio_of(sup, sup.peer).received_minutes == 45


def test_the_compliance_command_prints_json_and_csv(sup, capsys):
    hours(sup.peer, DAY, "10")
    sign(sup, write(sup, end_time=dt.time(9, 20)))
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-03")
    rows = {r["email"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[sup.peer.user.email] == {
        "email": sup.peer.user.email,
        "hours_worked": 10,
        "required_minutes": 30,
        "received_minutes": 20,
        "balance_minutes": -10,
        "compliant": False,
    }
    assert rows[sup.peer2.user.email]["compliant"] is True
    call_command(
        "supervision_compliance",
        "--organization",
        sup.org.slug,
        "--month",
        "2025-03",
        "--format",
        "csv",
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert (
        lines[0] == "email,hours_worked,required_minutes,received_minutes,balance_minutes,compliant"
    )
    assert f"{sup.peer.user.email},10,30,20,-10,false" in lines


def test_the_ratio_page_and_its_spreadsheet_agree(sup, client_for):
    hours(sup.peer, DAY, "10")
    c = client_for(sup.manager)
    page = c.get(reverse("supervision_ratio"), {"month": "2025-03"})
    assert page.context["short"] == 1
    csv_text = c.get(reverse("supervision_ratio"), {"month": "2025-03", "format": "csv"})
    assert f"{sup.peer.user.email},10,30,0,-30,false" in csv_text.content.decode()
    assert c.get(reverse("supervision_ratio"), {"month": "2025-13"}).status_code == 200


def test_a_short_month_is_warned_in_its_last_week_once(sup):
    from supervision.tasks import supervision_daily

    hours(sup.peer, dt.date(2025, 3, 3), "20")
    with time_machine.travel(dt.datetime(2025, 3, 20, 15, tzinfo=dt.UTC)):
        assert supervision_daily()["warned"] == 0  # not the last week yet
    with time_machine.travel(dt.datetime(2025, 3, 26, 15, tzinfo=dt.UTC)):
        assert supervision_daily()["warned"] == 1
        assert supervision_daily()["warned"] == 0
    assert ShortMonthWarning.objects.get().peer == sup.peer
    titles = set(Notification.objects.values_list("user_id", "title"))
    assert (sup.peer.user_id, "Supervision still owed this month: 60 minutes") in titles
    assert sum(1 for u, t in titles if u == sup.supervisor.user_id and "short" in t) == 1


# --- overdue, scoping, the record -----------------------------------------------------------


def test_an_unsigned_log_older_than_a_week_shows_overdue_to_its_supervisor(sup, client_for):
    today = timezone.localdate()
    old = write(sup, date=today - dt.timedelta(days=8))
    write(sup, date=today - dt.timedelta(days=6))
    page = client_for(sup.supervisor).get(reverse("supervision_home"))
    assert [log.pk for log in page.context["overdue"]] == [old.pk]


def test_each_role_sees_only_its_logs(sup, member_of, client_for):
    log = write(sup, supervisees=[sup.peer])
    other = write(sup, supervisor=sup.rookie, supervisees=[sup.peer2], clients=[])
    assert set(SupervisionLog.objects.for_member(sup.supervisor)) == {log}
    assert set(SupervisionLog.objects.for_member(sup.peer)) == {log}
    assert set(SupervisionLog.objects.for_member(sup.peer2)) == {other}
    assert set(SupervisionLog.objects.for_member(sup.admin)) == {log, other}
    outsider = member_of(sup.org, Role.PROGRAM_MANAGER)
    assert not SupervisionLog.objects.for_member(outsider).exists()
    assert client_for(sup.peer2).get(reverse("supervision_log", args=[log.pk])).status_code == 404


def _pdf_text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_record_pdf_holds_every_field_signature_addendum_and_the_ratio(
    sup, client_for, tmp_path, django_capture_on_commit_callbacks
):
    hours(sup.peer, DAY, "15")
    hours(sup.peer, DAY + dt.timedelta(days=1), "15")
    log = sign(sup, write(sup))
    services.addendum_add(
        log=log,
        actor=sup.supervisor.user,
        text="Also discussed sleep.",
        credential=TEST_PASSWORD,
    )
    write(sup, date=DAY + dt.timedelta(days=2))  # unsigned, still in the record
    c = client_for(sup.peer)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("record_export"),
            {"peer": sup.peer.pk, "start": "2025-03-01", "end": "2025-03-31"},
        )
    status = c.get(response["Location"])
    export = status.context["export"]
    assert export.status == "ready"  # in-process tasks in tests: rendered on commit
    pdf = c.get(reverse("record_download", args=[export.pk]))
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF")
    text = " ".join(_pdf_text(data, tmp_path).split())
    for expected in (
        "Clinical supervision record",
        "Licensed clinical social worker, license LCSW-100",
        "CBHPSS-7",
        "RC-1 (connecting)",
        "Ethics and boundaries",
        "Also discussed sleep.",
        log.signature_hash[:20],
        "March 2025 30 90 60 -30",
        "Not signed",
        "Page 1 of",
    ):
        assert expected in text, expected
    # Someone else's export is not theirs to open.
    other = client_for(sup.peer2)
    assert other.get(reverse("record_download", args=[export.pk])).status_code == 404


# --- what the review found -------------------------------------------------------------------


def test_the_parts_of_a_signed_log_refuse_changes_in_the_application(sup):
    log = sign(sup, write(sup))
    draft = write(sup, date=DAY + dt.timedelta(days=1), supervisees=[sup.peer2], clients=[])
    attendee = log.attendees.get()
    with pytest.raises(SignedLogIsReadOnly):
        LogAttendee.objects.filter(log=log).delete()
    with pytest.raises(SignedLogIsReadOnly):
        log.clients.all().delete()
    with pytest.raises(SignedLogIsReadOnly):
        attendee.delete()
    attendee.certification_number = "X"
    with pytest.raises(SignedLogIsReadOnly):
        attendee.save()
    moved = draft.attendees.get()
    moved.log_id = log.pk
    with pytest.raises(SignedLogIsReadOnly):
        moved.save()
    with pytest.raises(SignedLogIsReadOnly):
        LogAttendee.objects.filter(pk=moved.pk).update(log=log)
    addendum = services.addendum_add(
        log=log, actor=sup.supervisor.user, text="A", credential=TEST_PASSWORD
    )
    with pytest.raises(SignedLogIsReadOnly):
        Addendum.objects.filter(pk=addendum.pk).update(text="B")
    with pytest.raises(SignedLogIsReadOnly):
        addendum.delete()
    assert services.signature_holds(SupervisionLog.objects.get(pk=log.pk))


@pg_only
def test_raw_sql_cannot_move_a_row_into_a_signed_log_or_empty_the_tables(sup):
    log = sign(sup, write(sup))
    draft = write(sup, date=DAY + dt.timedelta(days=1), supervisees=[sup.peer2], clients=[])
    for sql, args in (
        ("UPDATE supervision_logattendee SET log_id = %s WHERE log_id = %s", [log.pk, draft.pk]),
        ("TRUNCATE supervision_supervisionlog CASCADE", None),
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL peerpath.allow_audit_truncate = 'no'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, args)
    assert LogAttendee.objects.filter(log=log).count() == 1


def test_a_version_changed_since_it_was_shown_is_not_signed(sup):
    log = write(sup)
    shown = services.content_version(log)
    services.log_save(
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
        services.log_sign(
            log=log, actor=sup.supervisor.user, credential=TEST_PASSWORD, version=shown
        )
    assert not SupervisionLog.objects.get(pk=log.pk).is_signed


def test_wrong_passwords_are_limited(sup):
    log = write(sup)
    for _ in range(services.SIGN_TRIES):
        with pytest.raises(ValidationError):
            services.log_sign(log=log, actor=sup.supervisor.user, credential="guess")
    with pytest.raises(ValidationError) as err:
        sign(sup, log)  # even the right password, for a while
    assert "Too many wrong" in err.value.message_dict["credential"][0]
    assert not SupervisionLog.objects.get(pk=log.pk).is_signed


def test_an_addendum_sent_twice_is_added_once(sup):
    import uuid

    log = sign(sup, write(sup))
    key = uuid.uuid4()
    for _ in range(2):
        services.addendum_add(
            log=log,
            actor=sup.supervisor.user,
            text="Same",
            credential=TEST_PASSWORD,
            submission_key=key,
        )
    assert Addendum.objects.filter(log=log).count() == 1


def test_a_supervisor_cannot_change_their_own_license(sup, client_for):
    c = client_for(sup.rookie)
    url = reverse("supervisor_edit", args=[sup.rookie.pk])
    response = c.post(
        url,
        {
            "license_type": "professional_counselor",
            "license_number": "LCPC-9",
            "licensed_on": "2010-01-01",
            "supervision_ceu_hours": "0",
        },
    )
    assert response.status_code == 403
    assert not services.supervisor_eligible_on(sup.rookie, DAY)


def test_moving_an_agreement_to_an_ineligible_supervisor_is_refused(sup):
    agreement = SupervisionAgreement.objects.get(supervisor=sup.supervisor, supervisee=sup.peer)
    with pytest.raises(ValidationError) as err:
        services.agreement_save(
            organization=sup.org,
            actor=sup.admin.user,
            agreement=agreement,
            data=AgreementInput(
                supervisor=sup.rookie, supervisee=sup.peer, starts_on=dt.date(2024, 1, 1)
            ),
        )
    assert "may not supervise peers yet" in err.value.message_dict["supervisor"][0]


def test_a_supervisors_record_holds_only_their_own_logs(sup, tmp_path):
    from supervision.record import record_context

    mine = sign(sup, write(sup))
    SupervisorProfileSave = services.supervisor_profile_save
    SupervisorProfileSave(
        membership=sup.rookie,
        actor=None,
        license_type=LicenseType.PROFESSIONAL_COUNSELOR,
        license_number="LCPC-9",
        licensed_on=dt.date(2020, 1, 1),
    )
    theirs = write(sup, supervisor=sup.rookie, date=DAY + dt.timedelta(days=1), clients=[])
    as_supervisor = record_context(
        sup.peer, dt.date(2025, 3, 1), dt.date(2025, 3, 31), sup.supervisor
    )
    as_admin = record_context(sup.peer, dt.date(2025, 3, 1), dt.date(2025, 3, 31), sup.admin)
    assert [log.pk for log, _ in as_supervisor["logs"]] == [mine.pk]
    assert [log.pk for log, _ in as_admin["logs"]] == [mine.pk, theirs.pk]


def test_a_manager_sees_only_their_programs_agreements(sup, member_of, program_in):
    other = program_in(sup.org, name="Elsewhere")
    outside_peer = member_of(sup.org, Role.PEER_SUPPORTER, programs=[other])
    SupervisionAgreement.objects.create(
        supervisor=sup.supervisor, supervisee=outside_peer, starts_on=dt.date(2024, 1, 1)
    )
    seen = set(
        SupervisionAgreement.objects.for_member(sup.manager).values_list("supervisee", flat=True)
    )
    assert outside_peer.pk not in seen and sup.peer.pk in seen


def test_a_peer_who_left_still_counts_in_the_months_they_worked(sup, capsys):
    hours(sup.peer, DAY, "20")
    sup.peer.is_active = False
    sup.peer.save()
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-03")
    emails = [r["email"] for r in json.loads(capsys.readouterr().out)]
    assert sup.peer.user.email in emails
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-05")
    assert sup.peer.user.email not in [r["email"] for r in json.loads(capsys.readouterr().out)]


def test_an_odd_month_never_breaks_the_page_or_the_command(sup, client_for):
    from django.core.management.base import CommandError

    c = client_for(sup.manager)
    for month in ("9999-12", "0000-01", "2025-00", "abc"):
        assert c.get(reverse("supervision_ratio"), {"month": month}).status_code == 200
    with pytest.raises(CommandError):
        call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "9999-12")


def test_minutes_owed_are_rounded_up_in_the_warning(sup):
    from supervision.tasks import supervision_daily

    hours(sup.peer, dt.date(2025, 3, 3), "0.25")  # 0.75 minutes owed
    with time_machine.travel(dt.datetime(2025, 3, 26, 15, tzinfo=dt.UTC)):
        supervision_daily()
    titles = list(Notification.objects.filter(user=sup.peer.user).values_list("title", flat=True))
    assert titles == ["Supervision still owed this month: 1 minutes"]
