"""The funder report's figures: clients, encounters, hours, billing by payer, support types
and phases, survey aggregates (withheld by survey_privacy's rule), staff and supervision."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    Q,
    Sum,
    Window,
)
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce, FirstValue, TruncQuarter

from encounters.models import (
    ModelPhase,
    SupportType,
    YesNo,
)
from encounters.reporting.figures import (
    CENT,
    EMERGENCY,
    ZERO,
    Scope,
    money,
    program_cost,
    share,
)
from encounters.survey_privacy import QuarterCell, answered
from programs.models import Role


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


CELL_FIGURES = (
    "surveys",
    "wellbeing_sum",
    "wellbeing_answered",
    "other_yes",
    "other_answered",
    "relapse_yes",
    "relapse_answered",
    "emergency",
    *(f"sat_{i}" for i in range(1, 6)),
)


def _survey_aggregates(scope: Scope) -> dict[str, Any]:
    """The survey's aggregates. Each is withheld (None, with its reason under "withheld")
    when its question's cells may not be shown (survey_privacy); the counts of surveys are
    not answers and are always given. One pass over the responses: the counts and sums
    come cell by cell with the disclosure, and the means are their sums over their counts."""
    disclosure = scope.survey_disclosure(
        {
            "surveys": Count("pk"),
            "wellbeing_sum": Sum("wellbeing"),
            "wellbeing_answered": Count("wellbeing"),
            "other_yes": Count("pk", filter=Q(other_services=YesNo.YES)),
            "other_answered": Count("pk", filter=answered("other_services")),
            "relapse_yes": Count("pk", filter=Q(relapse=YesNo.YES)),
            "relapse_answered": Count("pk", filter=answered("relapse")),
            "emergency": Count("pk", filter=Q(alternative__in=EMERGENCY)),
            **{f"sat_{i}": Count("pk", filter=Q(satisfaction=i)) for i in range(1, 6)},
        }
    )
    agg: dict[str, Any] = {name: disclosure.total(name) for name in CELL_FIGURES}
    satisfied = sum(agg[f"sat_{i}"] for i in range(1, 6))
    agg["satisfaction_mean"] = (
        Decimal(sum(i * agg[f"sat_{i}"] for i in range(1, 6))) / satisfied if satisfied else None
    )
    agg["wellbeing_mean"] = (
        Decimal(agg["wellbeing_sum"]) / agg["wellbeing_answered"]
        if agg["wellbeing_answered"]
        else None
    )

    def mean(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(CENT, ROUND_HALF_UP)

    change = _wellbeing_change(scope)
    # Each figure, with the question whose cells decide it.
    figures: dict[str, tuple[Any, str]] = {
        "satisfaction_mean": (mean(agg["satisfaction_mean"]), disclosure.reason("satisfaction")),
        "satisfaction_distribution": (
            {str(i): agg[f"sat_{i}"] for i in range(1, 6)},
            disclosure.reason("satisfaction"),
        ),
        "wellbeing_mean": (mean(agg["wellbeing_mean"]), disclosure.reason("wellbeing")),
        "wellbeing_change": (
            {"clients": change["clients"], "mean": change["mean"]},
            disclosure.change_reason(change["cells"]),
        ),
        "other_services_yes": (agg["other_yes"], disclosure.reason("other_services")),
        "other_services_answered": (agg["other_answered"], disclosure.reason("other_services")),
        "relapses_reported": (agg["relapse_yes"], disclosure.reason("relapse")),
        "relapse_answered": (agg["relapse_answered"], disclosure.reason("relapse")),
        "would_have_used_emergency_services": (
            agg["emergency"],
            disclosure.reason("alternative"),
        ),
    }
    withheld = {key: reason for key, (_, reason) in figures.items() if reason}
    return {
        "surveys": agg["surveys"],
        "survey_figures_withheld": bool(withheld),
        "withheld": withheld,
        **{key: None if reason else value for key, (value, reason) in figures.items()},
    }


def _wellbeing_change(scope: Scope) -> dict[str, Any]:
    """Within each calendar quarter and program, each client's latest minus first
    well-being answer (two answers or more): the mean of those changes, how many there are
    ("clients", a client counted once per quarter) and how many in each program's quarter,
    the cells that decide whether it is shown (survey_privacy). One query, grouped by
    client, program and quarter."""
    changes: dict[tuple[int, int, Any], int] = {}
    cells: dict[QuarterCell, int] = {}
    for client, program, name, q, first, latest in _client_quarters(scope):
        changes[(client, program, q)] = latest - first
        cell = QuarterCell(program, name, q)
        cells[cell] = cells.get(cell, 0) + 1
    mean = sum(changes.values()) / Decimal(len(changes)) if changes else None
    return {
        "clients": len(changes),
        "mean": None if mean is None else mean.quantize(CENT, ROUND_HALF_UP),
        "cells": cells,
    }


# A client's answers within a quarter, earliest first: by the encounter's date and start,
# then the order the answers were written in.
ANSWER_ORDER = ("encounter_date", "encounter__start_time", "pk")


def _client_quarters(scope: Scope) -> Iterator[tuple[int, int, str, Any, int, int]]:
    """(client, program, program name, quarter, first answer, latest answer) for each
    client who answered the well-being question twice or more within a program's quarter."""
    answers = scope.responses().filter(wellbeing__isnull=False, encounter__client__isnull=False)
    quarter = TruncQuarter("encounter_date")
    keys = ("encounter__client", "encounter__program", "encounter__program__name", "quarter")
    if connection.vendor == "postgresql":
        # One grouped pass: each group's answers in order, as an array.
        from django.contrib.postgres.aggregates import ArrayAgg

        grouped = (
            answers.annotate(quarter=quarter)
            .values(*keys)
            .annotate(n=Count("pk"), marks=ArrayAgg("wellbeing", order_by=ANSWER_ORDER))
            .filter(n__gte=2)
            .values_list(*keys, "marks")
            .order_by()
        )
        for client, program, name, q, marks in grouped:
            yield client, program, name, q, marks[0], marks[-1]
        return
    # Elsewhere (SQLite has no ordered aggregate): window functions give each group's
    # first and latest answer on every row, and DISTINCT keeps one row a group.
    part: list[BaseExpression | F] = [F("encounter__client"), F("encounter__program"), quarter]
    per_client = (
        answers.annotate(
            quarter=quarter,
            first_wb=Window(
                FirstValue("wellbeing"),
                partition_by=part,
                order_by=[F(f).asc() for f in ANSWER_ORDER],
            ),
            latest_wb=Window(
                FirstValue("wellbeing"),
                partition_by=part,
                order_by=[F(f).desc() for f in ANSWER_ORDER],
            ),
            answers=Window(Count("pk"), partition_by=part),
        )
        .values_list(*keys, "first_wb", "latest_wb", "answers")
        .order_by()
        .distinct()
    )
    seen = set()
    for client, program, name, q, first, latest, n in per_client:
        if n >= 2 and (client, program, q) not in seen:
            seen.add((client, program, q))
            yield client, program, name, q, first, latest


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
    ratios = supervision.monthly_ratios(peers, start=scope.start, end=scope.end)
    worked = [r for r in ratios.values() if r.hours_worked]  # peer-months with hours worked
    months, compliant_months = len(worked), sum(1 for r in worked if r.compliant)
    # The share counts hours a peer reported that nobody has confirmed yet; say how many
    # of its peer-months rest on them.
    unconfirmed = [r for r in worked if r.rests_on_unconfirmed_hours]
    return {
        "staff_headcount": moved.headcount_end,
        "staff_left": moved.left,
        "staff_turnover_rate": None
        if moved.rate is None
        else moved.rate.quantize(Decimal("0.0001")),
        "ceu_on_track_share": share(on_track, len(standings)),
        "supervision_compliant_share": share(compliant_months, months),
        "supervision_months": months,
        "supervision_months_with_unconfirmed_hours": len(unconfirmed),
        "supervision_unconfirmed_hours": sum(
            (r.unconfirmed_hours for r in unconfirmed), Decimal(0)
        ),
    }
