"""Report schedules: an admin's or manager's standing request for last month's or last
quarter's report, asked for by the daily task once the period has ended (once per period),
with a failed build retried; recipients are told with a link."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.accounts.models import User
from encounters.reporting import events as report_events
from encounters.reporting.models import ReportFrequency, ReportKind, ReportRun, ReportSchedule
from encounters.reporting.recipients import may_receive
from encounters.reporting.services import (
    UNKNOWN_KIND,
    check_scope,
    membership_of,
    previous_period,
    queue_build,
    report_request,
)
from programs.audit import audit_record
from programs.models import Membership, Organization, Program

logger = logging.getLogger(__name__)

UNKNOWN_FREQUENCY = "Choose monthly or quarterly."
NO_RECIPIENTS = "Choose at least one person to tell when the report is ready."
RECIPIENT_CANNOT_SEE = (
    "{name} could not open this report: choose organization admins, or managers of the program."
)


@transaction.atomic
def schedule_save(
    *,
    organization: Organization,
    actor: User,
    kind: str,
    program: Program | None,
    frequency: str,
    recipients: list[Membership],
    ip_address: str | None = None,
) -> ReportSchedule:
    """Set up a report built after each month or quarter and sent, as a link, to its
    recipients."""
    membership = membership_of(actor, organization)
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        errors["kind"] = [UNKNOWN_KIND]
    if frequency not in ReportFrequency.values:
        errors["frequency"] = [UNKNOWN_FREQUENCY]
    check_scope(errors, organization=organization, membership=membership, program=program)
    if not recipients:
        errors["recipients"] = [NO_RECIPIENTS]
    for person in recipients:
        if person.organization_id != organization.pk or not may_receive(person, program):
            errors.setdefault("recipients", []).append(
                RECIPIENT_CANNOT_SEE.format(name=person.user)
            )
    if errors:
        raise ValidationError(errors)
    # The same schedule asked for twice (a double tap) is one schedule: its recipients
    # are added to those it has.
    existing = ReportSchedule.objects.filter(
        organization=organization, kind=kind, program=program, frequency=frequency, is_active=True
    ).first()
    if existing is not None:
        existing.recipients.add(*recipients)
        return existing
    schedule = ReportSchedule.objects.create(
        organization=organization,
        kind=kind,
        program=program,
        frequency=frequency,
        created_by=actor,
    )
    schedule.recipients.set(recipients)
    audit_record(
        actor=actor,
        organization=organization,
        event=report_events.REPORT_SCHEDULE_ADDED,
        subject=schedule,
        ip_address=ip_address,
        data={
            "kind": kind,
            "program": program.pk if program else None,
            "frequency": frequency,
            "recipients": sorted(r.pk for r in recipients),
        },
    )
    return schedule


@transaction.atomic
def schedule_remove(
    *, schedule: ReportSchedule, actor: User, ip_address: str | None = None
) -> ReportSchedule:
    """Stop a schedule. Its runs stay in the archive; removing it twice changes nothing."""
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if not schedule.is_active:
        return schedule
    schedule.is_active = False
    schedule.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        organization=schedule.organization,
        event=report_events.REPORT_SCHEDULE_REMOVED,
        subject=schedule,
        ip_address=ip_address,
    )
    return schedule


def schedules_run(*, today: dt.date | None = None) -> dict[str, int]:
    """For each active schedule, ask once for the month or quarter just ended (by the
    organization's own calendar unless `today` is given). The unique run per schedule and
    period makes a repeat a no-op; a failed run of that period is tried again."""
    asked = retried = 0
    schedules = ReportSchedule.objects.filter(is_active=True).select_related(
        "organization", "program"
    )
    for schedule in schedules:
        day = today or schedule.organization.today()
        start, end = previous_period(schedule.frequency, day)
        try:
            with transaction.atomic():
                report_request(
                    organization=schedule.organization,
                    actor=None,
                    kind=schedule.kind,
                    program=schedule.program,
                    start=start,
                    end=end,
                    schedule=schedule,
                )
            asked += 1
        except IntegrityError:
            retried += _retry_failed(schedule, start, end)
        except ValidationError:
            logger.exception("report schedule %s could not ask for its report", schedule.pk)
    return {"asked": asked, "retried": retried}


def _retry_failed(schedule: ReportSchedule, start: dt.date, end: dt.date) -> int:
    with transaction.atomic():
        run = (
            ReportRun.objects.select_for_update()
            .filter(schedule=schedule, start=start, end=end, status=ReportRun.Status.FAILED)
            .first()
        )
        if run is None:
            return 0
        run.status = ReportRun.Status.PENDING
        run.progress = 0
        run.requested_at = timezone.now()
        run.save(update_fields=["status", "progress", "requested_at"])
        queue_build(run.pk)
    return 1
