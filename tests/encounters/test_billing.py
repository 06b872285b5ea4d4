"""What an encounter bills: the rate of its date, the peer's certification, a payer's daily
cap shared in the order encounters happened, and billing again when rates or terms change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from certification.models import Certification, Lapse
from encounters import events, rules
from encounters.models import Encounter, Payer, Rate
from encounters.services import payers
from encounters.services.encounters import HEAD_COUNT_NEEDED
from encounters.services.payers import PayerTerms, RateTerms
from tests.encounters.conftest import (
    DAY,
    audit_rows,
    county_payer,
    log_encounter,
    save_encounter,
)

pytestmark = pytest.mark.django_db


# ----- Billing on save ---------------------------------------------------------------------


def test_a_billable_encounter_stores_units_and_the_amount_at_the_rate_of_its_date(setup):
    s = setup
    Rate.objects.create(
        payer=s.medicaid, effective_from=dt.date(2025, 7, 1), unit_amount=Decimal("15.00")
    )
    before, _ = save_encounter(s, date=dt.date(2025, 6, 30), duration_minutes=22)
    after, _ = save_encounter(s, date=dt.date(2025, 7, 1), duration_minutes=23)
    assert (before.billable, before.units, before.amount) == (True, 1, Decimal("14.01"))
    assert (after.billable, after.units, after.amount) == (True, 2, Decimal("30.00"))


def test_an_uncertified_or_lapsed_peers_encounter_is_kept_and_flagged(setup):
    s = setup
    trainee, _ = save_encounter(s, peer=s.other_peer, client=s.other_client)
    assert not trainee.billable and "certified" in trainee.not_billable_reason
    Lapse.objects.create(
        certification=Certification.objects.get(profile__membership=s.peer), starts_on=DAY
    )
    lapsed, _ = save_encounter(s)
    assert lapsed.not_billable_reason.endswith(f"certification lapsed on {DAY}.")
    assert not lapsed.billable and lapsed.units == 0 and lapsed.amount == 0
    assert Encounter.objects.count() == 2


def test_a_payer_daily_cap_is_shared_by_the_clients_encounters_of_the_day_in_order(setup, org):
    s = setup
    capped = Payer.objects.create(organization=org, code="county", name="County", daily_unit_cap=3)
    Rate.objects.create(payer=capped, effective_from=dt.date(2020, 1, 1), unit_amount=Decimal("10"))
    later, _ = save_encounter(
        s, payer=capped, start_time=dt.time(15), duration_minutes=30
    )  # 2 units
    earlier, _ = save_encounter(
        s, payer=capped, start_time=dt.time(9), duration_minutes=30
    )  # 2 units
    later.refresh_from_db()
    # The morning encounter bills in full; the afternoon gets what the cap leaves.
    assert (earlier.units, later.units) == (2, 1)
    third, _ = save_encounter(s, payer=capped, start_time=dt.time(17), duration_minutes=15)
    assert not third.billable and "daily limit" in third.not_billable_reason
    # Re-billing the day under the cap audits each encounter whose units it changed.
    assert audit_rows(events.ENCOUNTER_REBILLED) == [
        (
            events.ENCOUNTER_REBILLED,
            s.peer.user_id,
            "encounters.encounter",
            str(later.pk),
            {
                "reason": "daily cap shared",
                "billable": [True, True],
                "units": [2, 1],
                "amount": ["20.00", "10.00"],
                "not_billable_reason": ["", ""],
            },
        ),
        (
            events.ENCOUNTER_REBILLED,
            s.peer.user_id,
            "encounters.encounter",
            str(third.pk),
            {
                "reason": "daily cap shared",
                "billable": [True, False],
                "units": [1, 0],
                "amount": ["10.00", "0"],
                "not_billable_reason": ["", rules.DAILY_CAP_REACHED.format(payer="County")],
            },
        ),
    ]


def test_group_encounters_bill_by_the_same_unit_rule_and_need_a_head_count(setup):
    s = setup
    group, _ = save_encounter(s, client=None, format="group", head_count=7, duration_minutes=60)
    assert (group.units, group.amount, group.head_count) == (4, Decimal("56.04"), 7)
    with pytest.raises(ValidationError) as err:
        save_encounter(s, client=None, format="group", head_count=0)
    assert err.value.message_dict["head_count"] == [HEAD_COUNT_NEEDED]


# ----- Billing again when a payer's rates or terms change ---------------------------------


def test_a_rate_with_its_own_unit_length_counts_units_by_it(setup):
    payer = county_payer(setup)
    payers.rate_add(
        payer=payer,
        actor=setup.admin.user,
        terms=RateTerms(dt.date(2025, 3, 1), Decimal("50.00"), unit_minutes=60),
    )
    encounter = log_encounter(setup, payer, duration_minutes=95)  # 95 min of 60-min units: 2 units
    assert (encounter.units, encounter.amount) == (2, Decimal("100.00"))


def test_an_encounter_before_every_rate_stays_unbilled_with_its_reason(setup):
    payer = county_payer(setup, since=dt.date(2025, 6, 1))
    encounter = log_encounter(setup, payer)
    assert not encounter.billable
    assert "no rate in force" in encounter.not_billable_reason


def test_a_backdated_rate_bills_again_only_the_encounters_in_its_period(setup):
    payer = county_payer(setup, amount="10.00")
    payers.rate_add(
        payer=payer, actor=setup.admin.user, terms=RateTerms(dt.date(2025, 4, 1), Decimal(20))
    )
    before = log_encounter(setup, payer, date=dt.date(2025, 2, 28))
    during = log_encounter(setup, payer, date=DAY)  # March 4
    after = log_encounter(setup, payer, date=dt.date(2025, 4, 2))
    assert [e.amount for e in (before, during, after)] == [Decimal(20), Decimal(20), Decimal(40)]

    rate, rebilled = payers.rate_add(
        payer=payer,
        actor=setup.admin.user,
        terms=RateTerms(dt.date(2025, 3, 1), Decimal("15.00")),
    )
    assert rebilled == 1
    for e in (before, during, after):
        e.refresh_from_db()
    assert [e.amount for e in (before, during, after)] == [Decimal(20), Decimal(30), Decimal(40)]
    assert during.rate == rate
    assert audit_rows(events.ENCOUNTER_REBILLED) == [
        (
            events.ENCOUNTER_REBILLED,
            setup.admin.user_id,
            "encounters.encounter",
            str(during.pk),
            {
                "reason": "new rate",
                "billable": [True, True],
                "units": [2, 2],
                "amount": ["20.00", "30.00"],
                "not_billable_reason": ["", ""],
            },
        )
    ]


def test_removing_the_earliest_rate_leaves_its_encounters_unbilled(setup):
    payer = county_payer(setup, amount="10.00", since=dt.date(2025, 3, 1))
    payers.rate_add(
        payer=payer, actor=setup.admin.user, terms=RateTerms(dt.date(2025, 4, 1), Decimal(20))
    )
    march = log_encounter(setup, payer)
    first = payer.rates.get(effective_from=dt.date(2025, 3, 1))
    assert payers.rate_remove(rate=first, actor=setup.admin.user) == 1
    march.refresh_from_db()
    assert (march.billable, march.amount, march.rate) == (False, Decimal(0), None)
    assert "no rate in force" in march.not_billable_reason


def test_a_new_daily_cap_bills_again_from_the_chosen_day_earliest_first(setup):
    payer = county_payer(setup)
    march_3 = log_encounter(setup, payer, date=dt.date(2025, 3, 3), duration_minutes=60)
    late = log_encounter(setup, payer, start_time=dt.time(15), duration_minutes=60)
    early = log_encounter(setup, payer, start_time=dt.time(9), duration_minutes=60)
    assert [e.units for e in (march_3, early, late)] == [4, 4, 4]

    _, rebilled = payers.payer_update(
        payer=payer,
        actor=setup.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=6),
        rebill_from=DAY,
    )
    assert rebilled == 1
    for e in (march_3, early, late):
        e.refresh_from_db()
    # March 3 is before the chosen day; on March 4 the 9:00 encounter uses 4 of 6 units.
    assert [e.units for e in (march_3, early, late)] == [4, 4, 2]
    assert audit_rows(events.ENCOUNTER_REBILLED) == [
        (
            events.ENCOUNTER_REBILLED,
            setup.admin.user_id,
            "encounters.encounter",
            str(late.pk),
            {
                "reason": "payer terms",
                "billable": [True, True],
                "units": [4, 2],
                "amount": ["48.00", "24.00"],
                "not_billable_reason": ["", ""],
            },
        )
    ]
