"""Billing units and rates (DOMAIN.md, Encounters: $14.01 per 15-minute unit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

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


@pytest.mark.parametrize(
    ("unit", "minutes", "units"),
    [(60, 30, 0), (60, 31, 1), (30, 15, 0), (30, 16, 1), (15, 7, 0), (15, 8, 1), (15, 22, 1)],
)
def test_a_unit_counts_only_when_more_than_half_was_delivered(unit, minutes, units):
    assert billable_units(minutes, unit_minutes=unit) == units


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


# ----- Whether an encounter bills (encounters.rules.billing_decision) ----------------------

from encounters.rules import billing_decision  # noqa: E402

BILLABLE: dict[str, Any] = dict(
    minutes=23,
    date=dt.date(2025, 3, 4),
    service_type="skills_coaching",
    payer_name="Medicaid",
    unit_rate=D("14.01"),
    requires_certification=True,
    peer_certified=True,
)


def test_a_complete_encounter_by_a_certified_peer_bills_its_units_at_the_rate():
    decision = billing_decision(**BILLABLE)
    assert (decision.billable, decision.units, decision.amount) == (True, 2, D("28.02"))


@pytest.mark.parametrize(
    ("change", "reason_starts"),
    [
        ({"service_type": ""}, "No billable service type"),
        ({"payer_name": None}, "No payer"),
        ({"unit_rate": None}, "Medicaid has no rate in force on 2025-03-04"),
        ({"peer_certified": False}, "Medicaid pays only for certified peers"),
    ],
)
def test_an_encounter_missing_a_condition_is_kept_but_not_billed_and_says_why(
    change, reason_starts
):
    decision = billing_decision(**{**BILLABLE, **change})
    assert (decision.billable, decision.units, decision.amount) == (False, 0, 0)
    assert decision.reason.startswith(reason_starts)


def test_a_payer_that_does_not_require_certification_pays_a_trainee():
    decision = billing_decision(
        **{**BILLABLE, "peer_certified": False, "requires_certification": False}
    )
    assert decision.billable and decision.units == 2


@pytest.mark.parametrize(
    ("left", "units", "billable"), [(None, 2, True), (5, 2, True), (1, 1, True), (0, 0, False)]
)
def test_a_daily_cap_cuts_the_units_to_what_is_left(left, units, billable):
    decision = billing_decision(**{**BILLABLE, "units_left_today": left})
    assert (decision.units, decision.billable) == (units, billable)


def test_under_eight_minutes_is_kept_but_never_billed_at_zero():
    decision = billing_decision(**{**BILLABLE, "minutes": 7})
    assert (decision.billable, decision.units) == (False, 0)
    assert decision.reason.startswith("Under 8 minutes")
