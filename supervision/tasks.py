"""Supervision in the background: the record PDF, and the daily warning of short months."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_CEILING

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from programs.models import Membership, Organization, Role
from programs.services import notification_send
from supervision import selectors
from supervision.models import RecordExport, ShortMonthWarning, SupervisionAgreement, active_on
from supervision.record import render_record_pdf

logger = logging.getLogger(__name__)


@shared_task(name="supervision.render_record", acks_late=True)
def render_record(export_id: int) -> str:
    """Render a requested record once; a retry of a finished export does nothing."""
    export = RecordExport.objects.select_related("peer__user", "peer__organization").get(
        pk=export_id
    )
    if export.status == RecordExport.Status.READY:
        return export.status
    try:
        viewer = Membership.objects.filter(
            user=export.requested_by, organization=export.organization
        ).first()
        pdf = render_record_pdf(export.peer, export.start, export.end, viewer)
    except Exception as exc:  # the page says it failed instead of waiting forever
        logger.exception("supervision record %s failed", export_id)
        RecordExport.objects.filter(pk=export_id).update(
            status=RecordExport.Status.FAILED, error=str(exc)[:300]
        )
        return RecordExport.Status.FAILED
    export.file.save(f"record-{export.pk}.pdf", ContentFile(pdf), save=False)
    export.status = RecordExport.Status.READY
    export.save(update_fields=["file", "status"])
    return export.status


@shared_task(name="supervision.daily", acks_late=True)
def supervision_daily() -> dict[str, int]:
    """In the last SUPERVISION_WARNING_DAYS of a month, warn each peer who is short of
    supervision, and their supervisors, once per month. Idempotent: a warning has a
    unique record per peer and month."""
    from django.conf import settings

    from supervision import rules

    warned = 0
    for org in Organization.objects.all():
        today = org.today()
        first, last = rules.month_bounds(today.year, today.month)
        if (last - today).days >= settings.SUPERVISION_WARNING_DAYS:
            continue
        peers = org.memberships.filter(role=Role.PEER_SUPPORTER, is_active=True)
        for row in selectors.month_ratios(peers, year=today.year, month=today.month):
            if row.ratio.compliant:
                continue
            try:
                with transaction.atomic():
                    ShortMonthWarning.objects.create(peer=row.peer, month=first)
                    _warn(org, row, today)
            except IntegrityError:
                continue  # already warned this month
            warned += 1
    return {"warned": warned}


def _warn(org: Organization, row: selectors.PeerMonth, today: dt.date) -> None:
    owed = (-row.ratio.balance_minutes).to_integral_value(ROUND_CEILING)
    month = f"{today:%B}"
    link = reverse("supervision_ratio")
    notification_send(
        user=row.peer.user,
        organization=org,
        title=f"Supervision still owed this month: {owed:.0f} minutes",
        body=f"Your hours this {month} need {row.ratio.required_minutes:.0f} minutes of "
        f"clinical supervision; {row.ratio.received_minutes} are signed so far.",
        link=link,
    )
    supervisors = SupervisionAgreement.objects.filter(
        supervisee=row.peer, supervisor__is_active=True, supervisor__user__is_active=True
    ).filter(active_on(today))
    for agreement in supervisors.select_related("supervisor__user"):
        notification_send(
            user=agreement.supervisor.user,
            organization=org,
            title=f"{row.peer.user} is short of supervision this month",
            body=f"{owed:.0f} minutes of clinical supervision are still owed this {month}.",
            link=link,
        )
