"""What the cost-savings report (`savings.py`) and the funder report (`funder.py`) share:
the scope (an organization or one program over a date range, inclusive), money and shares,
the costs in force and the program's cost. Every figure is a database aggregate; the
number of queries does not grow with the data.

Which survey figures are withheld (None, with the reason under "withheld") is decided by
`encounters.survey_privacy` over the scope's cells, for every report alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Aggregate, QuerySet

from encounters.models import (
    Alternative,
    Encounter,
    SurveyResponse,
)
from encounters.reporting.models import AlternativeCost, ProgramCost
from encounters.survey_privacy import SurveyDisclosure, survey_disclosure, survey_responses
from programs.models import Organization, Program

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
        """The survey responses of the scope: whole cells (survey_privacy)."""
        return survey_responses(
            self.organization, start=self.start, end=self.end, programs=self._programs()
        )

    def survey_disclosure(self, figures: Mapping[str, Aggregate] | None = None) -> SurveyDisclosure:
        """Which of the scope's survey figures may be shown, with the counts and sums in
        `figures` by cell (one query)."""
        return survey_disclosure(
            self.organization,
            start=self.start,
            end=self.end,
            programs=self._programs(),
            figures=figures,
        )

    def _programs(self) -> list[Program] | None:
        return [self.program] if self.program is not None else None

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
    return prorated_cost(lines.only("category", "amount", "starts_on", "ends_on"), scope)


def prorated_cost(lines: Iterable[ProgramCost], scope: Scope) -> dict[str, Any]:
    """`program_cost` of lines already loaded: those outside the period count nothing."""
    by_category: dict[str, Decimal] = {}
    for line in lines:
        if line.starts_on > scope.end or line.ends_on < scope.start:
            continue
        shared = (min(line.ends_on, scope.end) - max(line.starts_on, scope.start)).days + 1
        span = (line.ends_on - line.starts_on).days + 1
        part = line.amount * shared / span
        by_category[line.category] = by_category.get(line.category, ZERO) + part
    total = money(sum(by_category.values(), ZERO))
    return {"total": total, "by_category": {k: money(v) for k, v in by_category.items()}}
