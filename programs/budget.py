"""Cost per peer supporter: positions, their funding, and the yearly balance.

Services and selectors together, as in programs.readiness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from config.accounts.models import User
from programs import audit
from programs.access import rule_for
from programs.audit import audit_record
from programs.extensions import billing_estimate
from programs.models import FundingSource, Membership, PeerPosition, Program
from programs.rules import COST_LINES, FundingLine, PositionBudget, position_budget

POSITION_FIELDS = (
    "title",
    "starts_on",
    "ends_on",
    "hourly_wage",
    "hours_per_week",
    "salary",
    "billable_hours_per_week",
    *(code for code, _ in COST_LINES),
)
NEEDS_PAY = "Give an hourly wage with hours a week, or a yearly salary."


def _through_program(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))


def _through_position(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(position__in=PeerPosition.objects.for_member(membership).values("pk"))


rule_for(PeerPosition)(_through_program)
rule_for(FundingSource)(_through_position)


def budget_of(position: PeerPosition, *, today: dt.date | None = None) -> PositionBudget:
    """The position's yearly budget (uses prefetched funding when there is some)."""
    return position_budget(
        hourly_wage=position.hourly_wage,
        hours_per_week=position.hours_per_week,
        salary=position.salary,
        lines={code: getattr(position, code) for code, _ in COST_LINES},
        funding=[FundingLine(f.kind, f.yearly_amount, f.ends_on) for f in position.funding.all()],
        today=today or position.program.organization.today(),
        regional_wage=settings.REGIONAL_AVERAGE_PEER_WAGE,
        grant_warning_days=settings.GRANT_ENDING_WARNING_DAYS,
    )


def program_budget(program: Program) -> list[tuple[PeerPosition, PositionBudget]]:
    """Every position of the program with its budget, in two queries."""
    positions = program.positions.prefetch_related("funding")
    today = program.organization.today()
    return [(p, budget_of(p, today=today)) for p in positions]


@dataclass(frozen=True)
class MedicaidEstimate:
    amount: Decimal
    billable_hours_per_week: Decimal
    rate: Any  # the payer's rate in force (an encounters Rate)


def medicaid_estimate(
    position: PeerPosition, *, today: dt.date | None = None
) -> MedicaidEstimate | None:
    """What the position could bill Medicaid in a year at the rate in force today; the
    reporting layer answers (programs.extensions), None when it cannot."""
    return billing_estimate(position, today or position.program.organization.today())


@transaction.atomic
def position_save(
    *,
    program: Program,
    actor: User,
    position: PeerPosition | None = None,
    ip_address: str | None = None,
    **fields: Any,
) -> PeerPosition:
    creating = position is None
    position = position or PeerPosition(program=program)
    for name in POSITION_FIELDS:
        if name in fields:
            setattr(position, name, fields[name])
    if not position.salary and not (position.hourly_wage and position.hours_per_week):
        raise ValidationError({"hourly_wage": NEEDS_PAY})
    for code, _ in COST_LINES:
        if getattr(position, code) is None:
            setattr(position, code, Decimal(0))
    position.full_clean()
    position.save()
    audit_record(
        actor=actor,
        organization=program.organization,
        event=audit.POSITION_CREATED if creating else "position.updated",
        subject=position,
        ip_address=ip_address,
    )
    return position


@transaction.atomic
def funding_add(
    *,
    position: PeerPosition,
    actor: User,
    kind: str,
    yearly_amount: Decimal,
    name: str = "",
    ends_on: dt.date | None = None,
    submission_key: str | None = None,
    ip_address: str | None = None,
) -> FundingSource:
    if submission_key:
        already = FundingSource.objects.filter(submission_key=submission_key).first()
        if already is not None:
            return already  # the same form sent twice
    source = FundingSource(
        position=position,
        kind=kind,
        name=name.strip(),
        yearly_amount=yearly_amount,
        ends_on=ends_on,
        submission_key=submission_key or None,
    )
    source.full_clean(exclude=["submission_key"])
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:  # the same form, sent twice at the same moment
        return FundingSource.objects.get(submission_key=submission_key)
    audit_record(
        actor=actor,
        organization=position.program.organization,
        event=audit.FUNDING_ADDED,
        subject=source,
        ip_address=ip_address,
        data={"kind": kind, "amount": str(yearly_amount)},
    )
    return source


ESTIMATE_NAME = "Medicaid billing (estimate)"


@transaction.atomic
def medicaid_estimate_apply(
    *,
    position: PeerPosition,
    actor: User,
    estimate: MedicaidEstimate,
    ip_address: str | None = None,
) -> FundingSource:
    """Put the estimate in as the position's Medicaid line: one line, updated on repeat."""
    PeerPosition.objects.select_for_update().get(pk=position.pk)
    existing = position.funding.filter(kind="medicaid", name=ESTIMATE_NAME).first()
    if existing is None:
        return funding_add(
            position=position,
            actor=actor,
            kind="medicaid",
            name=ESTIMATE_NAME,
            yearly_amount=estimate.amount,
            ip_address=ip_address,
        )
    existing.yearly_amount = estimate.amount
    existing.save(update_fields=["yearly_amount"])
    audit_record(
        actor=actor,
        organization=position.program.organization,
        event=audit.FUNDING_UPDATED,
        subject=existing,
        ip_address=ip_address,
        data={"amount": str(estimate.amount)},
    )
    return existing


@transaction.atomic
def funding_remove(*, source: FundingSource, actor: User, ip_address: str | None = None) -> None:
    audit_record(
        actor=actor,
        organization=source.position.program.organization,
        event=audit.FUNDING_REMOVED,
        subject=source,
        ip_address=ip_address,
        data={"kind": source.kind, "amount": str(source.yearly_amount)},
    )
    source.delete()
