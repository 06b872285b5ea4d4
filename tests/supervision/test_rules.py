"""The rules of supervision, pure: who may supervise (3 years of license, or 20 hours of
clinical-supervision CEUs) and how much supervision a month's hours need (1 hour per 20)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from supervision import rules
from tests.supervision.factories import DAY


@pytest.mark.parametrize(
    ("licensed_on", "ceus", "day", "eligible"),
    [
        (dt.date(2022, 3, 4), Decimal(0), DAY, True),  # exactly 3 years
        (dt.date(2022, 3, 5), Decimal(0), DAY, False),  # a day short
        (dt.date(2024, 3, 5), Decimal(20), DAY, True),  # 20 supervision CEUs
        (dt.date(2024, 3, 5), Decimal("19.75"), DAY, False),
        (dt.date(2020, 2, 29), Decimal(0), dt.date(2023, 2, 28), True),  # a leap-day license
        (None, Decimal(40), DAY, False),  # no license date
    ],
)
def test_eligibility_is_three_years_of_license_or_twenty_supervision_ceus(
    licensed_on, ceus, day, eligible
):
    assert (
        rules.supervisor_eligible_on(
            day, license_type="social_worker", licensed_on=licensed_on, ceu_hours=ceus
        )
        is eligible
    )


def test_without_a_license_type_nobody_is_eligible():
    assert not rules.supervisor_eligible_on(
        DAY, license_type="", licensed_on=dt.date(2000, 1, 1), ceu_hours=Decimal(50)
    )


def test_with_twenty_ceus_a_supervisor_is_eligible_from_the_day_of_licensure():
    licensed = dt.date(2025, 3, 4)
    for day, eligible in [(licensed - dt.timedelta(days=1), False), (licensed, True)]:
        assert (
            rules.supervisor_eligible_on(
                day, license_type="social_worker", licensed_on=licensed, ceu_hours=Decimal(20)
            )
            is eligible
        )


def test_three_years_of_licensure_are_counted_from_settings(settings):
    assert rules.eligible_from(dt.date(2022, 3, 4)) == dt.date(2025, 3, 4)
    assert rules.eligible_from(None) is None
    settings.SUPERVISOR_YEARS_LICENSED = 5
    assert rules.eligible_from(dt.date(2022, 3, 4)) == dt.date(2027, 3, 4)
    settings.SUPERVISOR_CEU_HOURS = Decimal(10)
    assert rules.supervisor_eligible_on(
        DAY, license_type="social_worker", licensed_on=dt.date(2025, 1, 1), ceu_hours=Decimal(10)
    )


def test_a_leap_day_license_reaches_three_years_on_february_28():
    assert rules.eligible_from(dt.date(2020, 2, 29)) == dt.date(2023, 2, 28)
    assert not rules.supervisor_eligible_on(
        dt.date(2023, 2, 27),
        license_type="social_worker",
        licensed_on=dt.date(2020, 2, 29),
        ceu_hours=Decimal(0),
    )


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [("0", "0"), ("0.25", "0.75"), ("1", "3"), ("19.75", "59.25"), ("20", "60"), ("160", "480")],
)
def test_the_ratio_owes_three_minutes_of_supervision_per_hour_worked(hours, minutes):
    assert rules.required_minutes(Decimal(hours)) == Decimal(minutes)
    assert str(rules.required_minutes(Decimal(hours))) == str(
        Decimal(minutes).quantize(Decimal("0.01"))
    )


def test_the_minutes_per_hour_come_from_settings(settings):
    settings.SUPERVISION_MINUTES_PER_HOUR_WORKED = Decimal("1.5")
    assert rules.required_minutes(Decimal(20)) == Decimal(30)


@pytest.mark.parametrize(
    ("hours", "received", "balance", "compliant"),
    [("20", 60, 0, True), ("20", 59, -1, False), ("20", 61, 1, True), ("0", 0, 0, True)],
)
def test_a_month_complies_when_its_signed_minutes_cover_what_its_hours_owe(
    hours, received, balance, compliant
):
    ratio = rules.month_ratio(Decimal(hours), received)
    assert (ratio.hours_worked, ratio.required_minutes, ratio.received_minutes) == (
        Decimal(hours),
        rules.required_minutes(Decimal(hours)),
        received,
    )
    assert (ratio.balance_minutes, ratio.compliant) == (balance, compliant)


@pytest.mark.parametrize(
    ("year", "month", "last"),
    [(2025, 2, 28), (2024, 2, 29), (2025, 4, 30), (2025, 12, 31), (2025, 1, 31)],
)
def test_a_month_runs_from_its_first_to_its_last_calendar_day(year, month, last):
    assert rules.month_bounds(year, month) == (dt.date(year, month, 1), dt.date(year, month, last))


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [((9, 0), (10, 0), 60), ((9, 45), (10, 15), 30), ((9, 0), (9, 1), 1), ((14, 30), (14, 30), 0)],
)
def test_a_sessions_minutes_run_from_its_start_to_its_end(start, end, minutes):
    assert rules.minutes_between(dt.time(*start), dt.time(*end)) == minutes


def test_a_month_says_how_many_of_its_hours_are_reported_and_not_yet_confirmed() -> None:
    reported = rules.month_ratio(Decimal(40), 120, Decimal("6.5"))
    assert reported.unconfirmed_hours == Decimal("6.5")
    assert reported.rests_on_unconfirmed_hours
    # The ratio itself counts every hour, confirmed or not.
    assert reported.required_minutes == rules.month_ratio(Decimal(40), 120).required_minutes
    confirmed = rules.month_ratio(Decimal(40), 120)
    assert confirmed.unconfirmed_hours == 0
    assert not confirmed.rests_on_unconfirmed_hours


@pytest.mark.parametrize(
    ("today", "standing"),
    [
        (dt.date(2026, 2, 1), rules.MonthStanding.BEHIND_PACE),  # the month's first day
        (dt.date(2026, 2, 28), rules.MonthStanding.BEHIND_PACE),  # its last day: still time
        (dt.date(2026, 3, 1), rules.MonthStanding.SHORT),  # over: short, never "behind"
        (dt.date(2027, 1, 15), rules.MonthStanding.SHORT),
    ],
)
def test_a_month_owing_supervision_is_behind_pace_while_it_runs_and_short_once_over(
    today, standing
):
    owing = rules.month_ratio(Decimal(20), 59)  # 60 minutes owed, 59 had
    assert rules.month_standing(owing, year=2026, month=2, today=today) == standing


@pytest.mark.parametrize("today", [dt.date(2026, 2, 10), dt.date(2026, 3, 10)])
def test_a_month_whose_minutes_cover_what_is_owed_is_met_during_and_after_it(today):
    met = rules.month_ratio(Decimal(20), 60)
    assert rules.month_standing(met, year=2026, month=2, today=today) == rules.MonthStanding.MET
