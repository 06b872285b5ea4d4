"""A supervision log kept on paper before the app, transcribed into it: the write behind
`import_supervision` (whose CSV rows `supervision.log_import` reads and checks)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Organization
from supervision import events as supervision_events
from supervision.models import LogSource, SupervisionLog
from supervision.services.logs import LogInput, log_check, log_fill, log_parts_write
from supervision.services.signing import log_signature
from supervision.services.supervisors import not_eligible_reason, supervisor_eligible_on


@transaction.atomic
def log_import(
    *,
    organization: Organization,
    actor: User | None,
    external_id: str,
    supervisor: Membership,
    supervisees: list[Membership],
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    signed_on: dt.date | None,
) -> tuple[SupervisionLog, bool]:
    """A paper log transcribed into the app: marked as such, with who imported it; it
    counts as signed when the paper was signed. The same external id lands once."""
    existing = SupervisionLog.objects.filter(
        organization=organization, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    data = LogInput(date=date, start_time=start_time, end_time=end_time, supervisees=supervisees)
    log_check(supervisor, data, today=organization.today(), paper=True)
    if signed_on is not None and not supervisor_eligible_on(supervisor, date):
        raise ValidationError({"signed_on": not_eligible_reason(supervisor)})
    log = SupervisionLog(
        organization=organization,
        supervisor=supervisor,
        created_by=actor,
        external_id=external_id,
        source=LogSource.PAPER,
    )
    log_fill(log, supervisor, data)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:  # the same paper log imported by two runs at once
        existing = SupervisionLog.objects.filter(
            organization=organization, external_id=external_id
        ).first()
        if existing is None:
            raise
        return existing, False
    log_parts_write(log, data)
    if signed_on is not None:
        log.signed_on_paper = signed_on
        SupervisionLog.objects.filter(pk=log.pk).update(
            signed_on_paper=signed_on, signature_hash=log_signature(log)
        )
        log.refresh_from_db()
    audit_record(
        actor=actor,
        organization=organization,
        event=supervision_events.SUPERVISION_IMPORTED,
        subject=log,
        data={"external_id": external_id, "signed_on_paper": str(signed_on or "")},
    )
    return log, True
