"""Asking for a peer's supervision record for the Board, as a PDF that a task renders
(`supervision.record` lays it out)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Organization
from supervision import events as supervision_events
from supervision.models import RecordExport
from supervision.tasks import render_record


def record_export_request(
    *,
    organization: Organization,
    actor: User,
    peer: Membership,
    start: dt.date,
    end: dt.date,
    ip_address: str | None = None,
) -> RecordExport:
    """Ask for a peer's supervision record as a PDF; a task renders it after commit."""
    with transaction.atomic():
        export = RecordExport.objects.create(
            organization=organization, peer=peer, start=start, end=end, requested_by=actor
        )
        audit_record(
            actor=actor,
            organization=organization,
            event=supervision_events.SUPERVISION_RECORD_REQUESTED,
            subject=export,
            ip_address=ip_address,
            data={"peer": peer.pk, "start": start.isoformat(), "end": end.isoformat()},
        )
    transaction.on_commit(lambda: render_record.delay(export_id=export.pk))
    return export
