"""The audit log is append-only, in the ORM and (on PostgreSQL) in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from programs.models import AUDIT_LOG_IS_APPEND_ONLY, AuditEvent, AuditLogIsAppendOnly
from programs.services import audit_record

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
def test_raw_sql_cannot_rewrite_the_log_on_postgresql(org):
    event = _event(org)
    for sql in (
        "UPDATE programs_auditevent SET event = 'x' WHERE id = %s",
        "DELETE FROM programs_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"
