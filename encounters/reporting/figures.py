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
    AlternativeCost,
    Client,
    Encounter,
    ModelPhase,
    SupportType,
    SurveyResponse,
    YesNo,
)
from programs.models import Organization, Program, ProgramCost, Role

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


def cost_savings(
    scope: Scope,
    *,
    unit_costs: dict[str, Decimal] | None = None,
    program_cost_override: Decimal | None = None,
) -> dict[str, Any]:
    """Gross diversion dollars (each "what would you have done" answer times that
    alternative's cost), the program's cost, net savings = gross - cost and the return
    ratio = gross / cost. `unit_costs` and `program_cost_override` make it a scenario."""
    unit_costs = unit_costs or {}
    enc = scope.encounters().aggregate(
        encounters=Count("pk"), clients=Count("client", distinct=True)
    )
    responses = scope.responses()
    counts = dict(
        responses.exclude(alternative="")
        .values_list("alternative")
        .annotate(n=Count("pk"))
        .values_list("alternative", "n")
    )
    surveys = responses.count()
    withheld = 0 < surveys < settings.SURVEY_MIN_RESPONSES
    in_force = costs_in_force(scope.organization, scope.end)
    alternatives: dict[str, dict[str, Any]] = {}
    gross = ZERO
    for code, label in Alternative.choices:
        cost = in_force.get(code)
        overridden = code in unit_costs
        unit = money(unit_costs[code]) if overridden else (money(cost.unit_cost) if cost else None)
        count = None if withheld else counts.get(code, 0)
        total = money((unit or ZERO) * count) if count is not None else None
        gross += total or ZERO
        alternatives[code] = {
            "label": label,
            "count": count,
            "unit_cost": unit,
            "total": total,
            "source": "scenario" if overridden else (cost.source if cost else ""),
            "effective_from": None if overridden or cost is None else cost.effective_from,
            "is_example": bool(cost and cost.is_example and not overridden),
            "is_scenario": overridden,
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
    return {
        "report": "cost-savings",
        "scope": scope.describe(),
        "scenario": bool(unit_costs) or program_cost_override is not None,
        "encounters": enc["encounters"],
        "clients_served": clients,
        "surveys": surveys,
        "response_rate": share(surveys, enc["encounters"]),
        "survey_figures_withheld": withheld,
        "alternatives": alternatives,
        "gross_diversion_dollars": gross_total,
        "program_cost": cost_total,
        "program_cost_by_category": cost_figures["by_category"],
        "program_cost_overridden": program_cost_override is not None,
        "net_savings": net,
        "return_ratio": ratio,
        "net_savings_per_client": money(net / clients) if net is not None and clients else None,
        "monthly": _monthly(scope, alternatives, withheld),
        "examples_in_use": any(a["is_example"] and a["count"] for a in alternatives.values()),
        "comparisons": COMPARISONS,
    }


def _monthly(
    scope: Scope, alternatives: dict[str, dict[str, Any]], withheld: bool
) -> list[dict[str, Any]]:
    """Encounters, surveys and gross diversion dollars per calendar month of the period."""
    encounters = dict(
        scope.encounters()
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    answers: dict[Any, dict[str, int]] = {}
    for month, code, n in (
        scope.responses()
        .annotate(month=TruncMonth("encounter__date"))
        .values_list("month", "alternative")
        .annotate(n=Count("pk"))
        .values_list("month", "alternative", "n")
    ):
        answers.setdefault(month, {})[code] = n
    rows = []
    for month in sorted(set(encounters) | set(answers)):
        by_code = answers.get(month, {})
        gross = sum(
            (
                (alternatives[c]["unit_cost"] or ZERO) * n
                for c, n in by_code.items()
                if c in alternatives
            ),
            ZERO,
        )
        rows.append(
            {
                "month": month,
                "encounters": encounters.get(month, 0),
                "surveys": sum(by_code.values()),
                "gross_diversion_dollars": None if withheld else money(gross),
            }
        )
    return rows


# --- the funder report -------------------------------------------------------------------------


def funder(scope: Scope) -> dict[str, Any]:
    """The quarterly program analysis: who was served and how, billing, the survey's
    aggregates and the staff figures, in a fixed number of queries."""
    encounters = scope.encounters()
    totals = encounters.aggregate(
        encounters=Count("pk"),
        clients=Count("client", distinct=True),
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
        .values("payer__name")
        .annotate(units=Sum("units"), amount=Sum("amount"))
        .order_by("payer__name")
    ]
    cost = program_cost(scope)
    survey = _survey_aggregates(scope)
    clients = totals["clients"]
    return {
        "report": "funder",
        "scope": scope.describe(),
        "clients_served": clients,
        "encounters": n,
        "encounters_per_client": (Decimal(n) / clients).quantize(CENT) if clients else None,
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
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _survey_aggregates(scope: Scope) -> dict[str, Any]:
    responses = scope.responses()
    agg = responses.aggregate(
        surveys=Count("pk"),
        satisfaction_mean=Avg("satisfaction"),
        wellbeing_mean=Avg("wellbeing"),
        other_yes=Count("pk", filter=Q(other_services=YesNo.YES)),
        other_answered=Count("pk", filter=~Q(other_services="")),
        relapse_yes=Count("pk", filter=Q(relapse=YesNo.YES)),
        relapse_answered=Count("pk", filter=~Q(relapse="")),
        emergency=Count("pk", filter=Q(alternative__in=EMERGENCY)),
        **{f"sat_{i}": Count("pk", filter=Q(satisfaction=i)) for i in range(1, 6)},
    )
    surveys = agg["surveys"]
    withheld = 0 < surveys < settings.SURVEY_MIN_RESPONSES

    def mean(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)

    figures: dict[str, Any] = {
        "surveys": surveys,
        "survey_figures_withheld": withheld,
        "satisfaction_mean": mean(agg["satisfaction_mean"]),
        "satisfaction_distribution": {str(i): agg[f"sat_{i}"] for i in range(1, 6)},
        "wellbeing_mean": mean(agg["wellbeing_mean"]),
        "wellbeing_change": _wellbeing_change(scope),
        "other_services_yes": agg["other_yes"],
        "other_services_answered": agg["other_answered"],
        "relapses_reported": agg["relapse_yes"],
        "relapse_answered": agg["relapse_answered"],
        "would_have_used_emergency_services": agg["emergency"],
    }
    if withheld:
        for key in figures:
            if key not in ("surveys", "survey_figures_withheld"):
                figures[key] = None
    return figures


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
    peers = scope.organization.memberships.filter(role=Role.PEER_SUPPORTER, is_active=True)
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
