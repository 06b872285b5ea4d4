"""The reports' survey figures, now taken in one pass over the responses (with pricing by
date in that pass and the well-being change grouped), against the computation they
replaced (an aggregate, a window query and a cost lookup per answer, each over the
encounter's own date) on random data."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db.models import Avg, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import FirstValue, TruncMonth, TruncQuarter

from encounters.models import Client, SurveyResponse
from encounters.reporting.figures import CENT, Scope
from encounters.reporting.funder import funder
from encounters.reporting.models import AlternativeCost
from encounters.reporting.savings import cost_savings
from encounters.services.encounters import encounter_save
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

CODES = ["called_911", "jail", "inpatient", "none", "crisis_line", ""]


def _old_responses(scope: Scope) -> Any:
    return SurveyResponse.objects.filter(
        organization=scope.organization,
        encounter__date__gte=scope.start,
        encounter__date__lte=scope.end,
    )


def _old_funder(scope: Scope) -> dict[str, Any]:
    agg = _old_responses(scope).aggregate(
        surveys=Count("pk"), sat=Avg("satisfaction"), wb=Avg("wellbeing")
    )
    part: list[Any] = [
        F("encounter__client"),
        F("encounter__program"),
        TruncQuarter("encounter__date"),
    ]
    order = ("encounter__date", "encounter__start_time", "pk")
    rows = (
        _old_responses(scope)
        .filter(wellbeing__isnull=False, encounter__client__isnull=False)
        .annotate(
            q=TruncQuarter("encounter__date"),
            first=Window(FirstValue("wellbeing"), partition_by=part, order_by=list(order)),
            latest=Window(
                FirstValue("wellbeing"), partition_by=part, order_by=[F(f).desc() for f in order]
            ),
            n=Window(Count("pk"), partition_by=part),
        )
        .values_list("encounter__client", "encounter__program", "q", "first", "latest", "n")
        .order_by()
        .distinct()
    )
    changes = {(c, p, q): b - a for c, p, q, a, b, n in rows if n >= 2}

    def cents(v: Any) -> Any:
        return None if v is None else Decimal(str(v)).quantize(CENT, ROUND_HALF_UP)

    return {
        "surveys": agg["surveys"],
        "satisfaction_mean": cents(agg["sat"]),
        "wellbeing_mean": cents(agg["wb"]),
        "wellbeing_change": {
            "clients": len(changes),
            "mean": cents(sum(changes.values()) / Decimal(len(changes))) if changes else None,
        },
    }


def _old_priced(scope: Scope) -> dict[str, Any]:
    cost = Subquery(
        AlternativeCost.objects.filter(
            organization=OuterRef("organization"),
            alternative=OuterRef("alternative"),
            effective_from__lte=OuterRef("encounter__date"),
        )
        .order_by("-effective_from")
        .values("unit_cost")[:1],
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )
    rows = (
        _old_responses(scope)
        .filter(~Q(alternative=""))
        .annotate(month=TruncMonth("encounter__date"), cost=cost)
        .values_list("month", "alternative")
        .annotate(n=Count("pk"), total=Sum("cost"))
    )
    by_code: dict[str, list[Any]] = {}
    by_month: dict[Any, Decimal] = {}
    for month, code, n, total in rows:
        got = by_code.setdefault(code, [0, Decimal(0)])
        got[0] += n
        got[1] += total or 0
        by_month[month] = by_month.get(month, Decimal(0)) + (total or 0)
    return {"by_code": by_code, "by_month": by_month}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_survey_figures_equal_the_old_computation_on_random_data(setup, settings, seed):
    settings.SURVEY_MIN_RESPONSES = 1
    rng = random.Random(seed)
    org = setup.program.organization
    clients = [setup.client] + [
        Client.objects.create(
            program=setup.program,
            code=f"RND-{i}",
            assigned_peer=setup.peer,
            enrolled_on=dt.date(2024, 1, 1),
        )
        for i in range(3)
    ]
    for code in CODES[:-1]:
        for since in (dt.date(2024, 1, 1), dt.date(2025, rng.randint(2, 11), rng.randint(1, 28))):
            AlternativeCost.objects.get_or_create(
                organization=org,
                alternative=code,
                effective_from=since,
                defaults={"unit_cost": Decimal(rng.randint(0, 5000)), "source": "x"},
            )
    for _ in range(40):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        client = rng.choice(clients)
        encounter, _ = encounter_save(
            actor=setup.peer.user,
            peer=setup.peer,
            data=encounter_input(
                setup,
                client=client,
                program=client.program,
                date=day,
                start_time=dt.time(rng.randint(8, 17), rng.choice([0, 30])),
            ),
        )
        if rng.random() < 0.8:
            SurveyResponse.objects.create(
                encounter=encounter,
                organization=org,
                channel="handover",
                satisfaction=rng.choice([None, 1, 2, 3, 4, 5]),
                wellbeing=rng.choice([None, *range(1, 11)]),
                alternative=rng.choice(CODES),
                submitted_on=day,
            )
    for start, end in [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2025, 4, 1), dt.date(2025, 9, 30)),
    ]:
        scope = Scope(org, start, end)
        report = funder(scope)
        assert {k: report[k] for k in _old_funder(scope)} == _old_funder(scope)
        savings = cost_savings(scope)
        old = _old_priced(scope)
        for code, a in savings["alternatives"].items():
            count, total = old["by_code"].get(code, (0, Decimal(0)))
            assert (a["count"], a["total"]) == (count, total.quantize(CENT, ROUND_HALF_UP))
        for month in savings["monthly"]:
            expected = old["by_month"].get(month["month"], Decimal(0))
            assert month["gross_diversion_dollars"] == expected.quantize(CENT, ROUND_HALF_UP)
