"""A signed log is read-only on every path: the application, its querysets, and raw SQL
(PostgreSQL triggers); its parts, addenda and acknowledgments too, and no log is deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from supervision.models import Addendum, LogAttendee, SignedLogIsReadOnly, SupervisionLog
from supervision.services.addenda import addendum_add, log_acknowledge
from supervision.services.logs import LogInput, log_save
from supervision.services.paper_import import log_import
from supervision.services.signing import log_sign, signature_holds
from tests.factories import TEST_PASSWORD
from tests.supervision.factories import DAY, sign, write

pytestmark = pytest.mark.django_db

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database trigger is PostgreSQL's"
)


def test_a_signed_log_refuses_every_change_from_the_application(sup, client_for):
    log = sign(sup, write(sup))
    with pytest.raises(ValidationError, match="already signed"):
        log_save(
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
        log_sign(log=log, actor=sup.supervisor.user, credential=TEST_PASSWORD)
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
    assert fresh.notes == "Boundaries around rides." and signature_holds(fresh)
    assert LogAttendee.objects.filter(log=log).count() == 1


@pg_only
def test_an_unsigned_log_may_still_be_edited_on_postgresql(sup):
    log = write(sup)
    write_again = log_save(
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


@pg_only
def test_addenda_and_acknowledgments_cannot_be_rewritten_on_postgresql(sup):
    log = sign(sup, write(sup))
    addendum_add(log=log, actor=sup.supervisor.user, text="A", credential=TEST_PASSWORD)
    log_acknowledge(log=log, supervisee=sup.peer)
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
    addendum = addendum_add(log=log, actor=sup.supervisor.user, text="A", credential=TEST_PASSWORD)
    with pytest.raises(SignedLogIsReadOnly):
        Addendum.objects.filter(pk=addendum.pk).update(text="B")
    with pytest.raises(SignedLogIsReadOnly):
        addendum.delete()
    assert signature_holds(SupervisionLog.objects.get(pk=log.pk))


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


def test_signed_and_unsigned_logs_part_every_log_in_two(sup):
    app = sign(sup, write(sup))
    draft = write(sup, date=DAY + dt.timedelta(days=1))
    paper, _ = log_import(
        organization=sup.org,
        actor=None,
        external_id="P-1",
        supervisor=sup.supervisor,
        supervisees=[sup.peer],
        date=DAY,
        start_time=dt.time(14),
        end_time=dt.time(15),
        signed_on=DAY,
    )
    unsigned_paper, _ = log_import(
        organization=sup.org,
        actor=None,
        external_id="P-2",
        supervisor=sup.supervisor,
        supervisees=[sup.peer],
        date=DAY,
        start_time=dt.time(16),
        end_time=dt.time(17),
        signed_on=None,
    )
    assert set(SupervisionLog.objects.signed()) == {app, paper}
    assert set(SupervisionLog.objects.unsigned()) == {draft, unsigned_paper}
    assert all(log.is_signed for log in SupervisionLog.objects.signed())
