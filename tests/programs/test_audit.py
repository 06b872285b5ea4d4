"""The audit log is append-only, in the ORM and (on PostgreSQL) in the database itself."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, connection, transaction

from programs import audit
from programs.audit import audit_record
from programs.models import AUDIT_LOG_IS_APPEND_ONLY, AuditEvent, AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


def _event(org):
    return audit_record(actor=None, organization=org, event="test.event", data={"n": 1})


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(org):
    event = _event(org)
    event.event = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly, match=AUDIT_LOG_IS_APPEND_ONLY):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(event="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger is PostgreSQL's")
def test_raw_sql_cannot_rewrite_or_empty_the_log_on_postgresql(org):
    event = _event(org)
    for sql in (
        "UPDATE programs_auditevent SET event = 'x' WHERE id = %s",
        "DELETE FROM programs_auditevent WHERE id = %s",
        "TRUNCATE programs_auditevent CASCADE",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # As the application's sessions are: without the test suite's flush permission.
            cursor.execute("SET LOCAL peerpath.allow_audit_truncate = 'no'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE needs no pending checks
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


def test_sign_ins_and_failures_are_recorded_without_the_password(org, member_of):
    from django.test import Client
    from django.urls import reverse

    from programs.models import Role
    from tests.factories import TEST_PASSWORD

    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    Client().post(reverse("account_login"), {"login": peer.user.email, "password": "wrong-one"})
    Client().post(reverse("account_login"), {"login": peer.user.email, "password": TEST_PASSWORD})
    failed = AuditEvent.objects.get(event=audit.ACCOUNT_SIGN_IN_FAILED)
    assert failed.data == {"email": peer.user.email}
    assert "wrong-one" not in str(failed.data)
    signed_in = AuditEvent.objects.get(event=audit.ACCOUNT_SIGNED_IN)
    assert signed_in.actor == peer.user
    assert signed_in.ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_visitors_address_is_recorded(org, member_of, settings):
    from django.test import Client
    from django.urls import reverse

    from programs.models import Role
    from tests.factories import TEST_PASSWORD

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7").post(
        reverse("account_login"), {"login": peer.user.email, "password": TEST_PASSWORD}
    )
    assert AuditEvent.objects.get(event=audit.ACCOUNT_SIGNED_IN).ip_address == "203.0.113.7"


def test_a_password_typed_into_the_email_field_is_not_logged(org):
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=None, credentials={"username": "hunter2 secret"})
    event = AuditEvent.objects.get(event=audit.ACCOUNT_SIGN_IN_FAILED)
    assert event.data == {"email": "(not an e-mail address)"}


def test_every_app_registers_its_events_with_one_label_each():
    from certification import events as certification_events
    from encounters import events as encounter_events
    from encounters.reporting import events as report_events
    from programs.audit import registered_events
    from supervision import events as supervision_events
    from training import events as training_events

    registered = registered_events()
    modules = (
        audit,
        certification_events,
        encounter_events,
        report_events,
        supervision_events,
        training_events,
    )
    codes = [getattr(m, name) for m in modules for name in dir(m) if name.isupper() and "_" in name]
    codes = [c for c in codes if isinstance(c, str) and "." in c]
    assert len(codes) == len(set(codes)) > 80
    for code in codes:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", code), code  # "what.happened"
        label = registered[code]
        # a label of its own, not the code spelt out as unregistered codes are
        assert label.strip() and label != code.replace(".", " ").replace("_", " "), code
    # A label is a reader's words, not the code spelt out.
    assert registered[audit.PROGRAM_CREATED] == "Program created"


def test_a_code_cannot_get_a_second_label():
    import uuid

    code = f"test.once_{uuid.uuid4().hex}"  # new to this process, whatever ran before
    assert audit.event(code, "Shown once") == code
    assert audit.event(code, "Shown once") == code
    assert audit.event_label(code) == "Shown once"
    with pytest.raises(
        RuntimeError, match=rf"^The audit event '{code}' already has another label\.$"
    ):
        audit.event(code, "Shown differently")
    assert audit.event_label(code) == "Shown once"


def test_a_row_reads_its_registered_label_and_an_unknown_code_is_spelt_out(org):
    known = audit_record(actor=None, organization=org, event=audit.PROGRAM_CREATED)
    unknown = audit_record(actor=None, organization=org, event="legacy.thing_done")
    assert known.label == "Program created"
    assert unknown.label == "legacy thing done"
    # A row about no record in particular names none.
    assert (known.subject_type, known.subject_id) == ("", "")


def test_creating_a_program_writes_exactly_one_audit_row(org, member_of):
    from programs.models import Role
    from programs.services import program_save

    admin = member_of(org, Role.ORG_ADMIN)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    program = program_save(organization=org, actor=admin.user, name="Crisis Response")
    rows = list(
        AuditEvent.objects.exclude(pk__in=before).values(
            "event", "actor", "organization", "subject_type", "subject_id"
        )
    )
    assert rows == [
        {
            "event": audit.PROGRAM_CREATED,
            "actor": admin.user.pk,
            "organization": org.pk,
            "subject_type": "programs.program",
            "subject_id": str(program.pk),
        }
    ]


def test_a_character_the_database_cannot_store_is_replaced_never_a_failure(org):
    """Whatever reaches an audit row (a value that never passed a form) is written."""
    row = audit_record(
        actor=None,
        organization=org,
        event="test.event",
        data={"filters": {"date_from": "\x00", "q\x00": ["\ud800x", 3]}},
    )
    row.refresh_from_db()
    assert row.data == {"filters": {"date_from": "\ufffd", "q\ufffd": ["\ufffdx", 3]}}
