"""The figures of the cost-savings report and the funder report, for an organization or one
program over a date range (inclusive). Every figure is a database aggregate; the number of
queries does not grow with the data. Reports, exports and the dashboard all read these.

Survey figures over fewer than SURVEY_MIN_RESPONSES answers are withheld (None), so no
figure can be traced to one person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from encounters.models import (
    Alternative,
    Client,
    Encounter,
    ModelPhase,
    SupportType,
    SurveyResponse,
    YesNo,
)
from encounters.reporting.models import AlternativeCost, ProgramCost
from programs.models import Organization, Program, Role
from supervision.rules import month_bounds

CENT = Decimal("0.01")
ZERO = Decimal(0)

# Published figures to show beside a program's own (DOMAIN.md, "Cost savings").
COMPARISONS = [
    {
        "figure": "$2,138",
        "what": "less Medicaid cost per person with peer crisis support",
        "value": Decimal("2138"),
        "unit": "per_person",
    },
    {
        "figure": "$2.28 per $1",
        "what": "returned per dollar spent (a Colorado health center)",
        "value": Decimal("2.28"),
        "unit": "ratio",
    },
    {
        "figure": "$5,494",
        "what": "saved per person per year (Georgia)",
        "value": Decimal("5494"),
        "unit": "per_person_year",
    },
    {
        "figure": "about 5 to 1",
        "what": "return of the Gallatin County recovery-coach program (over $420,000 net)",
        "value": Decimal(5),
        "unit": "ratio",
    },
]
# Answers counted as emergency services the person would otherwise have used.
EMERGENCY = (
    Alternative.CALLED_911,
    Alternative.EMERGENCY_DEPARTMENT,
    Alternative.INPATIENT,
    Alternative.CRISIS_BED,
    Alternative.JAIL,
)


def money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole to four places, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Scope:
    organization: Organization
    start: dt.date
    end: dt.date
    program: Program | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def encounters(self) -> QuerySet[Encounter]:
        qs = Encounter.objects.filter(
            organization=self.organization, date__gte=self.start, date__lte=self.end
        )
        return qs.filter(program=self.program) if self.program is not None else qs

    def responses(self) -> QuerySet[SurveyResponse]:
        qs = SurveyResponse.objects.filter(
            organization=self.organization,
            encounter__date__gte=self.start,
            encounter__date__lte=self.end,
        )
        return qs.filter(encounter__program=self.program) if self.program is not None else qs

    def describe(self) -> dict[str, Any]:
        return {
            "organization": self.organization.name,
            "program": self.program.name if self.program else None,
            "time_zone": self.organization.time_zone,
            "start": self.start,
            "end": self.end,
        }


# --- assumptions and cost -----------------------------------------------------------------


def costs_in_force(organization: Organization, day: dt.date) -> dict[str, AlternativeCost]:
    """Each alternative's cost in force on `day` (the latest from on or before it)."""
    latest: dict[str, AlternativeCost] = {}
    for cost in AlternativeCost.objects.filter(
        organization=organization, effective_from__lte=day
    ).order_by("alternative", "-effective_from"):
        latest.setdefault(cost.alternative, cost)
    return latest


def program_cost(scope: Scope) -> dict[str, Any]:
    """The cost lines that overlap the period, each prorated by the days it shares with
    it: amount x shared days / the line's days. By category and in total."""
    lines = ProgramCost.objects.filter(
        program__organization=scope.organization,
        starts_on__lte=scope.end,
        ends_on__gte=scope.start,
    )
    if scope.program is not None:
        lines = lines.filter(program=scope.program)
    by_category: dict[str, Decimal] = {}
    for line in lines.only("category", "amount", "starts_on", "ends_on"):
        shared = (min(line.ends_on, scope.end) - max(line.starts_on, scope.start)).days + 1
        span = (line.ends_on - line.starts_on).days + 1
        part = line.amount * shared / span
        by_category[line.category] = by_category.get(line.category, ZERO) + part
    total = money(sum(by_category.values(), ZERO))
    return {"total": total, "by_category": {k: money(v) for k, v in by_category.items()}}


# --- the cost-savings report ----------------------------------------------------------------


def withholding(scope: Scope) -> str:
    """Why survey figures are withheld for this scope, or "" when they may be shown.

    Figures are shown only over whole calendar months (the last one may run to today), and
    only when no month in the period, and no program of the organization (for an
    organization-wide report), has answers from fewer than SURVEY_MIN_RESPONSES people:
    otherwise two overlapping reports, or the organization minus its other programs, could
    be subtracted to read a few people's answers."""
    minimum = settings.SURVEY_MIN_RESPONSES

    today = scope.organization.today()
    month_end = scope.end == month_bounds(scope.end.year, scope.end.month)[1] or scope.end == today
    if scope.start.day != 1 or not month_end:
        return "period"
    responses = scope.responses()
    per_month = (
        responses.annotate(month=TruncMonth("encounter__date"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    if any(0 < n < minimum for n in per_month):
        return "few"
    if scope.program is None:
        per_program = (
            responses.values("encounter__program")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        if any(0 < n < minimum for n in per_program):
            return "few"
    return ""


WITHHELD_REASONS = {
    "period": "Survey figures are shown for whole calendar months only.",
    "few": "Survey figures are withheld: a month or a program in this period has answers "
    "from fewer than {minimum} people.",
}


def cost_savings(
    scope: Scope,
    *,
    unit_costs: dict[str, Decimal] | None = None,
    program_cost_override: Decimal | None = None,
) -> dict[str, Any]:
    """Gross diversion dollars (each "what would you have done" answer times that
    alternative's cost in force on the encounter's date), the program's cost, net savings
    = gross - cost and the return ratio = gross / cost. `unit_costs` and
    `program_cost_override` make it a scenario."""
    unit_costs = {k: money(v) for k, v in (unit_costs or {}).items()}
    enc = scope.encounters().aggregate(
        encounters=Count("pk"), clients=Count("client", distinct=True)
    )
    responses = scope.responses()
    surveys = responses.count()
    reason = withholding(scope) if surveys else ""
    priced = _priced_answers(scope)
    by_code: dict[str, tuple[int, Decimal]] = {}
    by_month: dict[Any, dict[str, tuple[int, Decimal]]] = {}
    for month, code, n, total in priced:
        if code in unit_costs:
            total = unit_costs[code] * n
        prev = by_code.get(code, (0, ZERO))
        by_code[code] = (prev[0] + n, prev[1] + (total or ZERO))
        by_month.setdefault(month, {})[code] = (n, total or ZERO)
    answered = sum(n for n, _ in by_code.values())
    if answered and answered < settings.SURVEY_MIN_RESPONSES:
        reason = reason or "few"
    withheld = bool(reason)
    in_force = costs_in_force(scope.organization, scope.end)
    used = _costs_used(scope) if not withheld else []
    alternatives: dict[str, dict[str, Any]] = {}
    gross = ZERO
    for code, label in Alternative.choices:
        cost = in_force.get(code)
        overridden = code in unit_costs
        unit = unit_costs[code] if overridden else (money(cost.unit_cost) if cost else None)
        count, total_raw = by_code.get(code, (0, ZERO))
        total = None if withheld else money(total_raw)
        gross += total or ZERO
        alternatives[code] = {
            "label": label,
            "count": None if withheld else count,
            "unit_cost": unit,
            "total": total,
            "source": "scenario" if overridden else (cost.source if cost else ""),
            "effective_from": None if overridden or cost is None else cost.effective_from,
            "is_example": bool(cost and cost.is_example and not overridden),
            "is_scenario": overridden,
            "priced_by_date": not overridden
            and sum(1 for u in used if u["alternative"] == code) > 1,
        }
    cost_figures = program_cost(scope)
    cost_total = (
        money(program_cost_override) if program_cost_override is not None else cost_figures["total"]
    )
    gross_total = None if withheld else money(gross)
    net = None if gross_total is None else money(gross_total - cost_total)
    ratio = (
        None
        if gross_total is None or not cost_total
        else (gross_total / cost_total).quantize(CENT, ROUND_HALF_UP)
    )
    clients = enc["clients"]
    per_client = money(net / clients) if net is not None and clients else None
    return {
        "report": "cost-savings",
        "scope": scope.describe(),
        "scenario": bool(unit_costs) or program_cost_override is not None,
        "encounters": enc["encounters"],
        "clients_served": clients,
        "surveys": surveys,
        "response_rate": share(surveys, enc["encounters"]),
        "survey_figures_withheld": withheld,
        "withheld_reason": WITHHELD_REASONS[reason].format(minimum=settings.SURVEY_MIN_RESPONSES)
        if reason
        else "",
        "alternatives": alternatives,
        "costs_used": used,
        "gross_diversion_dollars": gross_total,
        "program_cost": cost_total,
        "program_cost_by_category": cost_figures["by_category"],
        "program_cost_overridden": program_cost_override is not None,
        "net_savings": net,
        "return_ratio": ratio,
        "net_savings_per_client": per_client,
        # Beside the per-person-per-year comparison: the period's figure over a year.
        "net_savings_per_client_year": money(per_client * 365 / scope.days)
        if per_client is not None
        else None,
        "monthly": _monthly(scope, by_month, withheld),
        "examples_in_use": any(a["is_example"] and a["count"] for a in alternatives.values()),
        "comparisons": COMPARISONS,
    }


def _cost_on_date() -> Subquery:
    """The unit cost of a response's alternative in force on its encounter's date."""
    return Subquery(
        AlternativeCost.objects.filter(
            organization=OuterRef("organization"),
            alternative=OuterRef("alternative"),
            effective_from__lte=OuterRef("encounter__date"),
        )
        .order_by("-effective_from")
        .values("unit_cost")[:1],
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


def _priced_answers(scope: Scope) -> list[tuple[Any, str, int, Decimal | None]]:
    """(month, alternative, answers, their cost) in one query."""
    return list(
        scope.responses()
        .exclude(alternative="")
        .annotate(month=TruncMonth("encounter__date"), cost=_cost_on_date())
        .values_list("month", "alternative")
        .annotate(n=Count("pk"), total=Sum("cost"))
        .values_list("month", "alternative", "n", "total")
        .order_by("month", "alternative")
    )


def _costs_used(scope: Scope) -> list[dict[str, Any]]:
    """Every cost version in force at some point of the period, with its source: the
    assumptions table a funder can trace each total to."""
    rows = list(
        AlternativeCost.objects.filter(
            organization=scope.organization, effective_from__lte=scope.end
        ).order_by("alternative", "effective_from")
    )
    used = []
    for cost, nxt in zip(rows, [*rows[1:], None][: len(rows)], strict=True):
        same = nxt is not None and nxt.alternative == cost.alternative
        until = nxt.effective_from - dt.timedelta(days=1) if same and nxt else None
        if until is not None and until < scope.start:
            continue
        used.append(
            {
                "alternative": cost.alternative,
                "unit_cost": money(cost.unit_cost),
                "effective_from": cost.effective_from,
                "until": until,
                "source": cost.source,
                "is_example": cost.is_example,
            }
        )
    return used


def _monthly(
    scope: Scope, by_month: dict[Any, dict[str, tuple[int, Decimal]]], withheld: bool
) -> list[dict[str, Any]]:
    """Encounters, surveys and gross diversion dollars per calendar month of the period,
    every month listed (a month with nothing is a zero)."""
    encounters = dict(
        scope.encounters()
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    surveys = dict(
        scope.responses()
        .annotate(month=TruncMonth("encounter__date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    rows = []
    month = scope.start.replace(day=1)
    while month <= scope.end:
        answers = by_month.get(month, {})
        rows.append(
            {
                "month": month,
                "encounters": encounters.get(month, 0),
                "surveys": None if withheld else surveys.get(month, 0),
                "gross_diversion_dollars": None
                if withheld
                else money(sum((t for _, t in answers.values()), ZERO)),
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows


# --- the funder report -------------------------------------------------------------------------


def funder(scope: Scope) -> dict[str, Any]:
    """The quarterly program analysis: who was served and how, billing, the survey's
    aggregates and the staff figures, in a fixed number of queries."""
    encounters = scope.encounters()
    totals = encounters.aggregate(
        encounters=Count("pk"),
        clients=Count("client", distinct=True),
        with_client=Count("pk", filter=Q(client__isnull=False)),
        minutes=Coalesce(Sum("duration_minutes"), 0),
        units=Coalesce(Sum("units", filter=Q(billable=True)), 0),
        amount=Coalesce(
            Sum("amount", filter=Q(billable=True)),
            ZERO,
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        **{f"support_{s}": Count("pk", filter=Q(**{s: True})) for s in SupportType.values},
        **{f"phase_{p}": Count("pk", filter=Q(phase=p)) for p in ModelPhase.values},
    )
    n = totals["encounters"]
    by_payer = [
        {"payer": row["payer__name"], "units": row["units"], "amount": money(row["amount"])}
        for row in encounters.filter(billable=True)
        .values("payer_id", "payer__name")
        .annotate(units=Sum("units"), amount=Sum("amount"))
        .order_by("payer__name", "payer_id")
    ]
    cost = program_cost(scope)
    survey = _survey_aggregates(scope)
    clients = totals["clients"]
    return {
        "report": "funder",
        "scope": scope.describe(),
        "clients_served": clients,
        "encounters": n,
        # One-on-one encounters per client (groups and outreach have no client).
        "encounters_per_client": (Decimal(totals["with_client"]) / clients).quantize(
            CENT, ROUND_HALF_UP
        )
        if clients
        else None,
        "hours": (Decimal(totals["minutes"]) / 60).quantize(CENT),
        "billable_units": totals["units"],
        "billable_amount": money(totals["amount"]),
        "billing_by_payer": by_payer,
        "program_cost": cost["total"],
        "cost_per_encounter": money(cost["total"] / n) if n and cost["total"] else None,
        "support_types": {s: totals[f"support_{s}"] for s in SupportType.values},
        "support_types_percent": {
            s: _percent(totals[f"support_{s}"], n) for s in SupportType.values
        },
        "phases": {p: totals[f"phase_{p}"] for p in ModelPhase.values},
        "phases_percent": {p: _percent(totals[f"phase_{p}"], n) for p in ModelPhase.values},
        **survey,
        "response_rate": share(survey["surveys"], n),
        **staff_figures(scope),
    }


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else None


def _survey_aggregates(scope: Scope) -> dict[str, Any]:
    """The survey's aggregates. Each is withheld (None) when the scope is withheld (see
    `withholding`) or when fewer than SURVEY_MIN_RESPONSES people answered that question."""
    minimum = settings.SURVEY_MIN_RESPONSES
    responses = scope.responses()
    agg = responses.aggregate(
        surveys=Count("pk"),
        satisfaction_mean=Avg("satisfaction"),
        satisfaction_n=Count("satisfaction"),
        wellbeing_mean=Avg("wellbeing"),
        wellbeing_n=Count("wellbeing"),
        other_yes=Count("pk", filter=Q(other_services=YesNo.YES)),
        other_answered=Count("pk", filter=~Q(other_services="")),
        relapse_yes=Count("pk", filter=Q(relapse=YesNo.YES)),
        relapse_answered=Count("pk", filter=~Q(relapse="")),
        emergency=Count("pk", filter=Q(alternative__in=EMERGENCY)),
        alternative_answered=Count("pk", filter=~Q(alternative="")),
        **{f"sat_{i}": Count("pk", filter=Q(satisfaction=i)) for i in range(1, 6)},
    )
    surveys = agg["surveys"]
    reason = withholding(scope) if surveys else ""

    def mean(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)

    def enough(n: int) -> bool:
        return not reason and (n == 0 or n >= minimum)

    change = _wellbeing_change(scope)
    sat_ok = enough(agg["satisfaction_n"])
    return {
        "surveys": surveys,
        "survey_figures_withheld": bool(reason),
        "withheld_reason": WITHHELD_REASONS[reason].format(minimum=minimum) if reason else "",
        "satisfaction_mean": mean(agg["satisfaction_mean"]) if sat_ok else None,
        "satisfaction_distribution": {str(i): agg[f"sat_{i}"] for i in range(1, 6)}
        if sat_ok
        else None,
        "wellbeing_mean": mean(agg["wellbeing_mean"]) if enough(agg["wellbeing_n"]) else None,
        # A change over fewer clients than the minimum would be a few people's own change.
        "wellbeing_change": change if enough(change["clients"]) else None,
        "other_services_yes": agg["other_yes"] if enough(agg["other_answered"]) else None,
        "other_services_answered": agg["other_answered"] if enough(agg["other_answered"]) else None,
        "relapses_reported": agg["relapse_yes"] if enough(agg["relapse_answered"]) else None,
        "relapse_answered": agg["relapse_answered"] if enough(agg["relapse_answered"]) else None,
        "would_have_used_emergency_services": agg["emergency"]
        if enough(agg["alternative_answered"])
        else None,
    }


def _wellbeing_change(scope: Scope) -> dict[str, Any]:
    """For each client with two or more well-being answers in the period, latest minus
    first; the mean of those changes and how many clients it covers (one query)."""
    answered = scope.responses().filter(wellbeing__isnull=False, encounter__client=OuterRef("pk"))
    ordered = ("encounter__date", "encounter__start_time", "pk")
    first = answered.order_by(*ordered).values("wellbeing")[:1]
    latest = answered.order_by(*(f"-{f}" for f in ordered)).values("wellbeing")[:1]
    count = answered.order_by().values("encounter__client").annotate(n=Count("pk")).values("n")
    client_ids = scope.encounters().exclude(client=None).values("client_id")
    agg = (
        Client.objects.filter(pk__in=client_ids)
        .annotate(
            first_wb=Subquery(first, output_field=IntegerField()),
            latest_wb=Subquery(latest, output_field=IntegerField()),
            answers=Subquery(count, output_field=IntegerField()),
        )
        .filter(answers__gte=2)
        .aggregate(clients=Count("pk"), change=Avg(F("latest_wb") - F("first_wb")))
    )
    change = agg["change"]
    return {
        "clients": agg["clients"],
        "mean": None if change is None else Decimal(str(change)).quantize(CENT, ROUND_HALF_UP),
    }


def staff_figures(scope: Scope) -> dict[str, Any]:
    """Headcount and turnover, CEU standing and supervision compliance of the peers in
    scope (None where there are no peers)."""
    from certification.models import PeerProfile
    from certification.selectors import standings_for, turnover
    from supervision import selectors as supervision

    profiles = PeerProfile.objects.filter(membership__organization=scope.organization)
    # Everyone who was a peer here, active today or not: a past period's figures do not
    # change when someone leaves (only peer-months with hours worked count).
    peers = scope.organization.memberships.filter(role=Role.PEER_SUPPORTER)
    if scope.program is not None:
        profiles = profiles.filter(membership__programs=scope.program)
        peers = peers.filter(programs=scope.program)
    moved = turnover(profiles, start=scope.start, end=scope.end)
    standings = standings_for(profiles, year=scope.end.year, today=scope.end)
    on_track = sum(
        1 for s in standings if s.standing.status in ("complete", "on_track", "not_required")
    )
    months, compliant_months = supervision.compliance_by_month(
        peers, start=scope.start, end=scope.end
    )
    return {
        "staff_headcount": moved.headcount_end,
        "staff_left": moved.left,
        "staff_turnover_rate": None
        if moved.rate is None
        else moved.rate.quantize(Decimal("0.0001")),
        "ceu_on_track_share": share(on_track, len(standings)),
        "supervision_compliant_share": share(compliant_months, months),
    }


def weekly_encounters(scope: Scope) -> list[tuple[dt.date, int]]:
    """Encounters per week (Monday), for the dashboard's chart."""
    return [
        (week.date() if isinstance(week, dt.datetime) else week, n)
        for week, n in scope.encounters()
        .annotate(week=TruncWeek("date"))
        .values_list("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
        .order_by("week")
    ]
