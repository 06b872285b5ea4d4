"""Billing units and rates (DOMAIN.md, Encounters: $14.01 per 15-minute unit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from encounters.models import Payer, Rate
from encounters.rules import billable_amount, billable_units, yearly_billing_estimate
from encounters.selectors import rate_on, shared_payer


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (15, 1), (22, 1), (23, 2), (30, 2), (37, 2), (38, 3), (60, 4)],
)
def test_a_unit_counts_once_eight_of_its_fifteen_minutes_were_delivered(minutes, units):
    assert billable_units(minutes) == units


def test_amount_is_units_times_the_rate():
    assert billable_amount(2, D("14.01")) == D("28.02")
    assert billable_amount(0, D("14.01")) == 0


def test_yearly_estimate_from_billable_hours():
    # 20 h/week x 4 units x $14.01 x 52 weeks
    assert yearly_billing_estimate(billable_hours_per_week=D("20"), unit_rate=D("14.01")) == D(
        "58281.60"
    )


@pytest.mark.django_db
def test_medicaid_is_seeded_at_1401_per_15_minutes_and_rates_follow_their_dates():
    medicaid = shared_payer("medicaid")
    assert medicaid is not None and medicaid.requires_certification
    seeded = rate_on(medicaid, dt.date(2025, 6, 1))
    assert seeded is not None and (seeded.unit_amount, seeded.unit_minutes) == (D("14.01"), 15)
    assert seeded.hourly == D("56.04")
    Rate.objects.create(payer=medicaid, effective_from=dt.date(2026, 7, 1), unit_amount=D("14.50"))
    assert rate_on(medicaid, dt.date(2026, 6, 30)).unit_amount == D("14.01")  # type: ignore[union-attr]
    assert rate_on(medicaid, dt.date(2026, 7, 1)).unit_amount == D("14.50")  # type: ignore[union-attr]
    own = Payer.objects.create(code="county", name="County")
    assert rate_on(own, dt.date(2026, 7, 1)) is None
