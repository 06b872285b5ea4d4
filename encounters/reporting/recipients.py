"""Who hears of a scheduled report, and what they are told: a link, never its figures."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from encounters.reporting.models import ReportFrequency, ReportKind, ReportRun, ReportSchedule
from programs.models import Membership, Program, Role
from programs.services import notification_send


def may_receive(membership: Membership, program: Program | None) -> bool:
    """Who can be told of a scheduled report: someone who could open it (an active admin,
    or an active manager of its program)."""
    if not membership.is_active or not membership.user.is_active:
        return False
    if membership.role == Role.ORG_ADMIN:
        return True
    return (
        membership.role == Role.PROGRAM_MANAGER
        and program is not None
        and membership.programs.filter(pk=program.pk).exists()
    )


def tell_recipients(run: ReportRun, schedule: ReportSchedule) -> None:
    """A link to the run for each recipient who can still open it. The notification is
    e-mailed, so it names the report and the period only: no figures, no client."""
    frequency = "monthly" if schedule.frequency == ReportFrequency.MONTHLY else "quarterly"
    kind = "cost-savings" if run.kind == ReportKind.COST_SAVINGS else "funder"
    scope = run.program.name if run.program is not None else "All programs"
    link = reverse("report_run", args=[run.pk])
    for person in schedule.recipients.select_related("user"):
        if not may_receive(person, run.program):
            continue
        notification_send(
            user=person.user,
            organization=run.organization,
            title=f"Your {frequency} {kind} report is ready",
            body=f"{scope}, {_day(run.start)} to {_day(run.end)}. Open it in PeerPath to "
            "download the PDF or the spreadsheet.",
            link=link,
        )


def _day(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
