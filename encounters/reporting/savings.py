"""The cost-savings report's figures: each survey answer priced at its alternative's cost
in force on the encounter's date (gross diversion dollars), set against the program's cost
(net savings, return ratio), with the monthly trend and the assumptions used."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Aggregate, Count, Q
from django.db.models.functions import TruncMonth

from encounters.models import (
    Alternative,
)
from encounters.reporting.figures import (
    CENT,
    COMPARISONS,
    ZERO,
    Scope,
    money,
    program_cost,
    share,
)
from encounters.reporting.models import AlternativeCost
from encounters.survey_privacy import SurveyDisclosure

# The figures of the whole period drawn from the answers, withheld together.
PERIOD_FIGURES = (
    "alternatives",
    "gross_diversion_dollars",
    "net_savings",
    "return_ratio",
    "net_savings_per_client",
    "net_savings_per_client_year",
)


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
    versions = list(
        AlternativeCost.objects.filter(
            organization=scope.organization, effective_from__lte=scope.end
        ).order_by("alternative", "effective_from")
    )
    spans = _spans(versions)
    disclosure = scope.survey_disclosure(_cell_figures(scope, spans))
    surveys = disclosure.total("surveys")
    # Every figure below but the counts of encounters and surveys is built from the
    # answers to "what would you have done", so that question's cells decide them all.
    reason = disclosure.reason("alternative")
    by_code: dict[str, tuple[int, Decimal]] = {}
    by_month: dict[Any, dict[str, tuple[int, Decimal]]] = {}
    for month, code, n, priced in _priced_answers(disclosure, spans):
        if code in unit_costs:
            priced = unit_costs[code] * n
        prev = by_code.get(code, (0, ZERO))
        by_code[code] = (prev[0] + n, prev[1] + priced)
        got = by_month.setdefault(month, {}).get(code, (0, ZERO))
        by_month[month][code] = (got[0] + n, got[1] + priced)
    withheld = bool(reason)
    # The cost in force on the last day: each alternative's latest version.
    in_force = {cost.alternative: cost for cost in versions}
    used = _costs_used(scope, spans) if not withheld else []
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
    monthly = _monthly(scope, by_month, disclosure)
    reasons = dict.fromkeys(PERIOD_FIGURES, reason) if reason else {}
    reasons |= {f"monthly.{m['month'].isoformat()}": m.pop("reason") for m in monthly}
    reasons = {key: why for key, why in reasons.items() if why}
    return {
        "report": "cost-savings",
        "scope": scope.describe(),
        "scenario": bool(unit_costs) or program_cost_override is not None,
        "encounters": enc["encounters"],
        "clients_served": clients,
        "surveys": surveys,
        "response_rate": share(surveys, enc["encounters"]),
        "survey_figures_withheld": bool(reasons),
        "withheld": reasons,
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
        "monthly": monthly,
        "examples_in_use": any(a["is_example"] and a["count"] for a in alternatives.values()),
        "comparisons": COMPARISONS,
    }


# A cost version and the day its successor takes over (None: still in force).
Span = tuple[AlternativeCost, dt.date | None]


def _spans(versions: list[AlternativeCost]) -> list[Span]:
    """Each cost version (ordered by alternative, then date) with the first day it no
    longer applies: the next version's date for the same alternative."""
    nexts = [*versions[1:], None][: len(versions)]
    return [
        (
            cost,
            nxt.effective_from if nxt is not None and nxt.alternative == cost.alternative else None,
        )
        for cost, nxt in zip(versions, nexts, strict=True)
    ]


def _cell_figures(scope: Scope, spans: list[Span]) -> dict[str, Aggregate]:
    """What the report counts in the disclosure's pass over the responses, by program and
    month: surveys, answers of each alternative, and answers on the days each cost version
    was in force, so that each answer is priced by its encounter's date in the same pass
    (a condition on the date per version, not a lookup per answer)."""
    figures: dict[str, Aggregate] = {"surveys": Count("pk")}
    for code in Alternative.values:
        figures[f"answers_{code}"] = Count("pk", filter=Q(alternative=code))
    for cost, until in spans:
        if until is not None and until <= scope.start:
            continue  # replaced before the period began
        on_its_days = Q(alternative=cost.alternative, encounter_date__gte=cost.effective_from)
        if until is not None:
            on_its_days &= Q(encounter_date__lt=until)
        figures[f"priced_{cost.pk}"] = Count("pk", filter=on_its_days)
    return figures


def _priced_answers(
    disclosure: SurveyDisclosure, spans: list[Span]
) -> list[tuple[Any, str, int, Decimal]]:
    """(month, alternative, answers, their cost) of each program's month, each answer at
    the cost in force on its encounter's date (nothing when none was)."""
    rows = []
    for cell in disclosure.cell_figures:
        for code in Alternative.values:
            n = cell.figures[f"answers_{code}"]
            if not n:
                continue
            total = sum(
                (
                    cost.unit_cost * cell.figures.get(f"priced_{cost.pk}", 0)
                    for cost, _ in spans
                    if cost.alternative == code
                ),
                ZERO,
            )
            rows.append((cell.month, code, n, total))
    return rows


def _costs_used(scope: Scope, spans: list[Span]) -> list[dict[str, Any]]:
    """Every cost version in force at some point of the period, with its source: the
    assumptions table a funder can trace each total to."""
    used = []
    for cost, starts_after in spans:
        until = starts_after - dt.timedelta(days=1) if starts_after is not None else None
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
    scope: Scope,
    by_month: dict[Any, dict[str, tuple[int, Decimal]]],
    disclosure: SurveyDisclosure,
) -> list[dict[str, Any]]:
    """Encounters, surveys and gross diversion dollars per calendar month of the period,
    every month listed (a month with nothing is a zero). Each month's dollars are shown or
    withheld on that month's own cells; "reason" says why they are withheld."""
    encounters = dict(
        scope.encounters()
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    surveys: dict[Any, int] = {}
    for cell in disclosure.cell_figures:
        surveys[cell.month] = surveys.get(cell.month, 0) + cell.figures["surveys"]
    rows = []
    month = scope.start.replace(day=1)
    while month <= scope.end:
        answers = by_month.get(month, {})
        reason = disclosure.reason("alternative", month=month)
        rows.append(
            {
                "month": month,
                "encounters": encounters.get(month, 0),
                # How many answered, not what: shown as the period's count is.
                "surveys": surveys.get(month, 0),
                "gross_diversion_dollars": None
                if reason
                else money(sum((t for _, t in answers.values()), ZERO)),
                "reason": reason,
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows
