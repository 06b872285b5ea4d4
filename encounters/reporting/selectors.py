"""Who may see which report inputs and runs: rules registered with programs.access."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from encounters.reporting.models import ProgramCost, ReportRun, ReportSchedule
from programs.access import rule_for
from programs.models import Membership, Program, Role


@rule_for(ProgramCost)
def _cost_lines_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A program's cost lines go with the program: whoever may see it sees them."""
    return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))


@rule_for(ReportRun)
def _runs_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """An admin sees every run of the organization; a manager the runs of the programs
    they manage (not the whole organization's); nobody else any."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PROGRAM_MANAGER:
        return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))
    return qs.none()


@rule_for(ReportSchedule)
def _schedules_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """As for runs: an admin all, a manager their programs' schedules."""
    return _runs_visible(qs, membership)
