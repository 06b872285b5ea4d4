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


def test_yearly_estimate_at_a_payers_own_unit_and_weeks_rounds_half_a_cent_up():
    # 1.5 h/week x 3.75 sixteen-minute units x $14.01 x 52 weeks = $4,097.925
    assert yearly_billing_estimate(
        billable_hours_per_week=D("1.5"), unit_rate=D("14.01"), unit_minutes=16
    ) == D("4097.93")
    assert yearly_billing_estimate(
        billable_hours_per_week=D("20"), unit_rate=D("14.01"), weeks=50
    ) == D("56040.00")


def test_a_one_minute_unit_bills_every_minute():
    assert [billable_units(m, unit_minutes=1) for m in (0, 1, 2)] == [0, 1, 2]


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

from encounters.rules import (  # noqa: E402
    CERTIFICATION_LAPSED,
    DAILY_CAP_REACHED,
    NO_PAYER,
    NO_SERVICE_TYPE,
    NOT_CERTIFIED,
    TOO_SHORT,
    Billing,
    billing_decision,
)

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
    assert decision == Billing(True, 2, D("28.02"), "")


def test_unless_told_otherwise_a_payer_requires_a_certified_peer_and_none_is_presumed():
    defaults = {
        k: v for k, v in BILLABLE.items() if k not in ("requires_certification", "peer_certified")
    }
    decision = billing_decision(**defaults)
    assert decision == Billing(
        False, 0, D(0), NOT_CERTIFIED.format(payer="Medicaid", date=dt.date(2025, 3, 4))
    )
    assert billing_decision(**defaults, peer_certified=True).billable


def test_the_units_are_counted_in_the_payers_own_unit():
    # 31 minutes: one 60-minute unit (not two 15-minute ones), at that unit's rate.
    decision = billing_decision(**{**BILLABLE, "minutes": 31, "unit_minutes": 60})
    assert decision == Billing(True, 1, D("14.01"), "")
    short = billing_decision(**{**BILLABLE, "minutes": 30, "unit_minutes": 60})
    assert short == Billing(False, 0, D(0), TOO_SHORT.format(half=31))


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


def test_a_daily_cap_already_used_bills_nothing_and_says_so():
    for left in (0, -1):  # -1: a cap lowered after the day's units were billed
        decision = billing_decision(**{**BILLABLE, "units_left_today": left})
        assert decision == Billing(False, 0, D(0), DAILY_CAP_REACHED.format(payer="Medicaid"))
    assert (
        decision.reason
        == "Medicaid's daily limit of units for this client was already used that day."
    )
    cut = billing_decision(**{**BILLABLE, "units_left_today": 1})
    assert cut == Billing(True, 1, D("14.01"), "")


def test_under_eight_minutes_is_kept_but_never_billed_at_zero():
    decision = billing_decision(**{**BILLABLE, "minutes": 7})
    assert decision == Billing(False, 0, D(0), "Under 8 minutes: not a billable unit.")


def test_each_refusal_bills_nothing_and_names_its_payer_and_day():
    day = dt.date(2025, 3, 4)
    assert billing_decision(**{**BILLABLE, "service_type": ""}) == Billing(
        False, 0, D(0), NO_SERVICE_TYPE
    )
    assert billing_decision(**{**BILLABLE, "payer_name": None}) == Billing(False, 0, D(0), NO_PAYER)
    assert billing_decision(**{**BILLABLE, "unit_rate": None}) == Billing(
        False, 0, D(0), "Medicaid has no rate in force on 2025-03-04."
    )
    lapsed = billing_decision(**{**BILLABLE, "peer_certified": False, "lapsed_on": day})
    assert lapsed == Billing(
        False, 0, D(0), CERTIFICATION_LAPSED.format(payer="Medicaid", lapsed_on=day)
    )
    assert billing_decision(**{**BILLABLE, "peer_certified": False}) == Billing(
        False,
        0,
        D(0),
        f"Medicaid pays only for certified peers; the peer held no active certification on {day}.",
    )


def test_every_not_billable_reason_is_known_by_its_code_whatever_payer_and_date():
    from encounters.rules import (
        NOT_BILLABLE_REASONS,
        billing_decision,
        not_billable_reason_code,
    )

    day = dt.date(2026, 3, 4)
    worded = {
        "no_service_type": billing_decision(
            minutes=30, date=day, service_type="", payer_name="X", unit_rate=None
        ).reason,
        "no_payer": billing_decision(
            minutes=30, date=day, service_type="s", payer_name=None, unit_rate=None
        ).reason,
        "no_rate": billing_decision(
            minutes=30, date=day, service_type="s", payer_name="Medicaid (MT)", unit_rate=None
        ).reason,
        "not_certified": billing_decision(
            minutes=30, date=day, service_type="s", payer_name="M", unit_rate=D(5)
        ).reason,
        "certification_lapsed": billing_decision(
            minutes=30,
            date=day,
            service_type="s",
            payer_name="M",
            unit_rate=D(5),
            lapsed_on=dt.date(2026, 1, 2),
        ).reason,
        "too_short": billing_decision(
            minutes=5,
            date=day,
            service_type="s",
            payer_name="M",
            unit_rate=D(5),
            peer_certified=True,
        ).reason,
        "daily_cap": billing_decision(
            minutes=30,
            date=day,
            service_type="s",
            payer_name="M",
            unit_rate=D(5),
            peer_certified=True,
            units_left_today=0,
        ).reason,
    }
    assert set(worded) == {r.code for r in NOT_BILLABLE_REASONS}
    assert {code: not_billable_reason_code(reason) for code, reason in worded.items()} == {
        code: code for code in worded
    }
    assert not_billable_reason_code("Typed by hand long ago.") == "other"
