"""The assumptions behind the cost-savings report, kept by an organization's admins: what
each alternative to peer support costs (with the source a funder can check), and what each
program cost over a span of dates. Every write is audited with the values before and after.

Reads for the two pages are here too; the figures themselves come from
`encounters.reporting.figures` so the pages and the reports agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet

from config.accounts.models import User
from encounters.models import Alternative
from encounters.reporting import events as report_events
from encounters.reporting.figures import Scope, costs_in_force, program_cost, prorated_cost
from encounters.reporting.models import AlternativeCost, CostCategory, ProgramCost
from programs.audit import audit_record
from programs.models import Membership, Organization, Program

UNKNOWN_ALTERNATIVE = "Choose one of the listed alternatives."
COST_RANGE = "Enter a cost from $0 up to $9,999,999.99."
WHOLE_CENTS = "Enter the amount in dollars and cents (at most two decimals)."
SOURCE_NEEDED = (
    "Say where this figure comes from (a study, a county or hospital budget, a published "
    "rate) so a funder can check it."
)
SOURCE_TOO_LONG = "Keep the source under 300 characters; name the document and where to find it."
DATE_RANGE = "Choose a date from 2000 up to a year from today."
NOT_THIS_ORGANIZATION = "This belongs to another organization."
UNKNOWN_CATEGORY = "Choose one of the listed categories."
AMOUNT_RANGE = "Enter an amount from $0 up to $99,999,999.99."
ENDS_BEFORE_START = "The last day cannot be before the first day."
TOO_LONG = "A cost line covers at most 5 years; enter a longer budget as several lines."
NOTE_TOO_LONG = "Keep the note under 200 characters."

EARLIEST = dt.date(2000, 1, 1)
MAX_UNIT_COST = Decimal("10000000")  # a unit cost is below ten million dollars
MAX_LINE_AMOUNT = Decimal("100000000")
MAX_LINE_YEARS = 5
SOURCE_MAX = 300
NOTE_MAX = 200
# Alternatives that cost public services nothing: a zero is the expected figure for them.
ZERO_COST_ALTERNATIVES = (
    Alternative.NONE,
    Alternative.FRIEND_OR_FAMILY,
    Alternative.USED_SUBSTANCES,
)


# --- checks -------------------------------------------------------------------------------


def _check_day(day: dt.date, field: str, today: dt.date) -> dict[str, str]:
    # "Up to a year from today": a budget or a new rate is often known ahead of time.
    if not EARLIEST <= day <= today + dt.timedelta(days=366):
        return {field: DATE_RANGE}
    return {}


def _check_money(value: Decimal, field: str, below: Decimal, message: str) -> dict[str, str]:
    if not value.is_finite() or not Decimal(0) <= value < below:
        return {field: message}
    if value != value.quantize(Decimal("0.01")):
        return {field: WHOLE_CENTS}
    return {}


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29 into a year without one
        return day.replace(year=day.year + years, month=3, day=1)


def _own(organization: Organization, organization_id: int) -> None:
    if organization_id != organization.pk:
        raise ValidationError(NOT_THIS_ORGANIZATION)


# --- what each alternative costs --------------------------------------------------------------


def _cost_terms(cost: AlternativeCost) -> dict[str, Any]:
    return {
        "unit_cost": str(cost.unit_cost),
        "source": cost.source,
        "from": cost.effective_from.isoformat(),
        "is_example": cost.is_example,
    }


def alternative_cost_set(
    *,
    organization: Organization,
    actor: User | None,
    alternative: str,
    unit_cost: Decimal,
    source: str,
    effective_from: dt.date,
    ip_address: str | None = None,
) -> AlternativeCost:
    """Set what an alternative costs from a date on, with its source. A second value for
    the same alternative and day corrects the first; the same value again changes nothing.
    A value set here is the organization's own, so it is never marked as an example: from
    its date on, the example figure no longer applies."""
    source = source.strip()
    errors: dict[str, str] = {}
    if alternative not in Alternative.values:
        errors["alternative"] = UNKNOWN_ALTERNATIVE
    errors |= _check_money(unit_cost, "unit_cost", MAX_UNIT_COST, COST_RANGE)
    if not source:
        errors["source"] = SOURCE_NEEDED
    elif len(source) > SOURCE_MAX:
        errors["source"] = SOURCE_TOO_LONG
    errors |= _check_day(effective_from, "effective_from", organization.today())
    if errors:
        raise ValidationError(errors)
    args = (organization, actor, alternative, unit_cost, source, effective_from, ip_address)
    try:
        with transaction.atomic():
            return _set_cost(*args)
    except IntegrityError:
        # Another request added a value for that day between our look and our write
        # (a double tap); this one now corrects it, or finds it the same.
        with transaction.atomic():
            return _set_cost(*args)


def _set_cost(
    organization: Organization,
    actor: User | None,
    alternative: str,
    unit_cost: Decimal,
    source: str,
    effective_from: dt.date,
    ip_address: str | None,
) -> AlternativeCost:
    cost = (
        AlternativeCost.objects.select_for_update()
        .filter(organization=organization, alternative=alternative, effective_from=effective_from)
        .first()
    )
    if cost is None:
        cost = AlternativeCost.objects.create(
            organization=organization,
            alternative=alternative,
            unit_cost=unit_cost,
            source=source,
            effective_from=effective_from,
            is_example=False,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            organization=organization,
            event=report_events.ALTERNATIVE_COST_CREATED,
            subject=cost,
            ip_address=ip_address,
            data={"alternative": alternative, "before": None, "after": _cost_terms(cost)},
        )
        return cost
    if (cost.unit_cost, cost.source, cost.is_example) == (unit_cost, source, False):
        return cost
    before = _cost_terms(cost)
    cost.unit_cost, cost.source, cost.is_example = unit_cost, source, False
    cost.save(update_fields=["unit_cost", "source", "is_example"])
    audit_record(
        actor=actor,
        organization=organization,
        event=report_events.ALTERNATIVE_COST_CORRECTED,
        subject=cost,
        ip_address=ip_address,
        data={"alternative": alternative, "before": before, "after": _cost_terms(cost)},
    )
    return cost


@transaction.atomic
def alternative_cost_remove(
    *,
    organization: Organization,
    cost: AlternativeCost,
    actor: User | None,
    ip_address: str | None = None,
) -> bool:
    """Take back a value entered by mistake; from its date the value before it applies
    again (or none). False when it was already removed (a second tap)."""
    _own(organization, cost.organization_id)
    current = AlternativeCost.objects.select_for_update().filter(pk=cost.pk).first()
    if current is None:
        return False
    audit_record(
        actor=actor,
        organization=organization,
        event=report_events.ALTERNATIVE_COST_REMOVED,
        subject=current,
        ip_address=ip_address,
        data={"alternative": current.alternative, "before": _cost_terms(current), "after": None},
    )
    current.delete()
    return True


# --- what a program cost -------------------------------------------------------------------


def _line_terms(line: ProgramCost) -> dict[str, Any]:
    return {
        "program": line.program.slug,
        "category": line.category,
        "amount": str(line.amount),
        "starts_on": line.starts_on.isoformat(),
        "ends_on": line.ends_on.isoformat(),
        "note": line.note,
    }


@transaction.atomic
def program_cost_add(
    *,
    organization: Organization,
    program: Program,
    actor: User | None,
    category: str,
    amount: Decimal,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
    ip_address: str | None = None,
) -> ProgramCost:
    """Add what a program cost in one category over a span of days (at most five years).
    The very same line sent again (a double tap) returns the one already added."""
    _own(organization, program.organization_id)
    note = note.strip()
    today = organization.today()
    errors: dict[str, str] = {}
    if category not in CostCategory.values:
        errors["category"] = UNKNOWN_CATEGORY
    errors |= _check_money(amount, "amount", MAX_LINE_AMOUNT, AMOUNT_RANGE)
    # The last day is bounded through the first: a line is at most five years long.
    errors |= _check_day(starts_on, "starts_on", today)
    if "starts_on" not in errors:
        if ends_on < starts_on:
            errors["ends_on"] = ENDS_BEFORE_START
        elif ends_on >= _years_after(starts_on, MAX_LINE_YEARS):
            errors["ends_on"] = TOO_LONG
    if len(note) > NOTE_MAX:
        errors["note"] = NOTE_TOO_LONG
    if errors:
        raise ValidationError(errors)
    # The program's row is the lock that makes a repeated add land once.
    program = Program.objects.select_for_update().get(pk=program.pk)
    same = ProgramCost.objects.filter(
        program=program,
        category=category,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
    ).first()
    if same is not None:
        return same
    line = ProgramCost.objects.create(
        program=program,
        category=category,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        organization=organization,
        event=report_events.PROGRAM_COST_CREATED,
        subject=line,
        ip_address=ip_address,
        data={"before": None, "after": _line_terms(line)},
    )
    return line


@transaction.atomic
def program_cost_remove(
    *,
    organization: Organization,
    line: ProgramCost,
    actor: User | None,
    ip_address: str | None = None,
) -> bool:
    """Take back a cost line entered by mistake. False when it was already removed."""
    _own(organization, line.program.organization_id)
    current = (
        ProgramCost.objects.select_for_update().filter(pk=line.pk).select_related("program").first()
    )
    if current is None:
        return False
    audit_record(
        actor=actor,
        organization=organization,
        event=report_events.PROGRAM_COST_REMOVED,
        subject=current,
        ip_address=ip_address,
        data={"before": _line_terms(current), "after": None},
    )
    current.delete()
    return True


# --- reads for the pages ----------------------------------------------------------------------


@dataclass
class AlternativeRow:
    code: str
    label: str
    in_force: AlternativeCost | None
    history: list[AlternativeCost] = field(default_factory=list)
    zero_expected: bool = False


def alternative_rows(organization: Organization, today: dt.date) -> list[AlternativeRow]:
    """Every alternative, in the survey's order, with the cost in force today and all its
    values newest first (two queries)."""
    in_force = costs_in_force(organization, today)
    rows = {
        code: AlternativeRow(
            code=code,
            label=label,
            in_force=in_force.get(code),
            zero_expected=code in ZERO_COST_ALTERNATIVES,
        )
        for code, label in Alternative.choices
    }
    for cost in AlternativeCost.objects.filter(organization=organization).order_by(
        "alternative", "-effective_from"
    ):
        if cost.alternative in rows:
            rows[cost.alternative].history.append(cost)
    return list(rows.values())


def programs_for_costs(membership: Membership) -> QuerySet[Program]:
    """The programs whose cost lines the member may see (an admin: all; a manager: their
    own), with those lines."""
    lines = ProgramCost.objects.order_by("-starts_on", "category", "pk")
    return (
        Program.objects.for_member(membership)
        .order_by("name")
        .prefetch_related(Prefetch("costs", queryset=lines))
    )


def program_cost_lines(membership: Membership) -> QuerySet[ProgramCost]:
    """Cost lines of the programs the member may see (another's are never found)."""
    return ProgramCost.objects.for_member(membership).filter(
        program__in=Program.objects.for_member(membership).values("pk")
    )


def year_cost(organization: Organization, program: Program, year: int) -> Decimal:
    """The program's cost for a calendar year, each line counted by the days it shares
    with the year (the report's own rule)."""
    scope = Scope(organization, dt.date(year, 1, 1), dt.date(year, 12, 31), program)
    total: Decimal = program_cost(scope)["total"]
    return total


def year_costs(
    organization: Organization, programs: list[Program], year: int
) -> list[tuple[Program, Decimal]]:
    """`year_cost` of each program from the lines `programs_for_costs` prefetched: no
    query per program."""
    rows = []
    for p in programs:
        scope = Scope(organization, dt.date(year, 1, 1), dt.date(year, 12, 31), p)
        rows.append((p, prorated_cost(p.costs.all(), scope)["total"]))
    return rows
