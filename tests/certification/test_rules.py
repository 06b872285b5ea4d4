"""The CEU year rule at its edges (DOMAIN.md, Staff and certification)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

from certification.rules import (
    COMMON_REQUIREMENTS,
    CeuStatus,
    DayStanding,
    Reminder,
    Term,
    certification_on,
    ceu_standing,
    is_hours_in_a_day,
    is_quarter_hours,
    pace_needed,
    reminders_due,
    requirements_for_trail,
)

d = dt.date


def standing(certified_on, entries, year, today):
    return ceu_standing(
        certified_on=certified_on,
        entries=[(day, D(str(h))) for day, h in entries],
        year=year,
        today=today,
        per_year=D(20),
        carry_cap=D(20),
    )


@pytest.mark.parametrize("certified_on", [d(2024, 3, 15), d(2024, 12, 31), d(2024, 1, 1)])
def test_the_certification_year_needs_nothing_and_year_two_starts_on_january_1(certified_on):
    first = standing(certified_on, [], 2024, d(2024, 12, 31))
    assert first.required == 0 and first.status == CeuStatus.NOT_REQUIRED
    second = standing(certified_on, [], 2025, d(2025, 1, 1))
    assert second.required == 20


def test_certified_on_december_31_owes_twenty_hours_by_the_next_december_31():
    s = standing(d(2024, 12, 31), [(d(2025, 12, 31), 20)], 2025, d(2026, 1, 1))
    assert s.status == CeuStatus.COMPLETE
    s = standing(d(2024, 12, 31), [(d(2025, 12, 31), 19.75)], 2025, d(2026, 1, 1))
    assert s.status == CeuStatus.OVERDUE and s.remaining == D("0.25")


def test_certified_on_january_1_still_owes_nothing_that_year():
    s = standing(d(2025, 1, 1), [], 2025, d(2025, 12, 31))
    assert s.status == CeuStatus.NOT_REQUIRED
    assert standing(d(2025, 1, 1), [], 2026, d(2026, 1, 2)).required == 20


def test_surplus_above_the_cap_carries_only_the_cap():
    entries = [(d(2025, 3, 1), 30), (d(2025, 9, 1), 15)]  # 45 earned, 25 surplus
    y2025 = standing(d(2024, 5, 1), entries, 2025, d(2025, 12, 31))
    assert (y2025.earned, y2025.carry_out) == (45, 20)
    y2026 = standing(d(2024, 5, 1), entries, 2026, d(2026, 2, 1))
    assert y2026.carried_in == 20 and y2026.status == CeuStatus.COMPLETE


def test_surplus_exactly_at_the_cap_carries_in_full_and_just_below_it_too():
    at_cap = standing(d(2024, 5, 1), [(d(2025, 4, 1), 40)], 2026, d(2026, 1, 5))
    assert at_cap.carried_in == 20
    below = standing(d(2024, 5, 1), [(d(2025, 4, 1), 39.75)], 2026, d(2026, 1, 5))
    assert below.carried_in == D("19.75") and below.remaining == D("0.25")


def test_hours_in_the_certification_year_are_surplus_and_carry_capped():
    s = standing(d(2024, 3, 15), [(d(2024, 11, 2), 12)], 2025, d(2025, 2, 1))
    assert (s.carried_in, s.remaining) == (12, 8)
    s = standing(d(2024, 3, 15), [(d(2024, 11, 2), 26)], 2025, d(2025, 2, 1))
    assert s.carried_in == 20 and s.status == CeuStatus.COMPLETE


def test_hours_from_before_the_certification_year_do_not_count():
    s = standing(d(2024, 3, 15), [(d(2023, 6, 1), 20)], 2025, d(2025, 2, 1))
    assert s.carried_in == 0


def test_carry_chains_across_years_and_a_short_year_carries_nothing():
    entries = [(d(2025, 5, 1), 30), (d(2026, 5, 1), 5)]
    y2026 = standing(d(2024, 5, 1), entries, 2026, d(2026, 6, 1))
    assert (y2026.carried_in, y2026.available, y2026.status) == (10, 15, CeuStatus.ON_TRACK)
    y2027 = standing(d(2024, 5, 1), entries, 2027, d(2027, 1, 2))
    assert y2027.carried_in == 0


@pytest.mark.parametrize(
    ("hours", "today", "expected"),
    [
        (10, d(2025, 7, 1), CeuStatus.ON_TRACK),  # exactly the even pace
        (9.75, d(2025, 7, 1), CeuStatus.BEHIND),  # a quarter hour short of it
        (9.75, d(2025, 6, 30), CeuStatus.ON_TRACK),  # June still needs only 5 months' worth
        (0, d(2025, 1, 31), CeuStatus.ON_TRACK),  # no month has passed yet
        (0, d(2025, 2, 1), CeuStatus.BEHIND),
        (20, d(2025, 3, 1), CeuStatus.COMPLETE),
        (19.75, d(2025, 12, 31), CeuStatus.ON_TRACK),  # 11 months passed: pace is 18.33
        (18, d(2025, 12, 31), CeuStatus.BEHIND),  # last day: behind, not yet overdue
        (19.75, d(2026, 1, 1), CeuStatus.OVERDUE),
    ],
)
def test_status_by_pace(hours, today, expected):
    entries = [(d(2025, 1, 15), hours)] if hours else []
    assert standing(d(2024, 6, 1), entries, 2025, today).status == expected


def test_a_year_that_has_ended_is_only_not_required_complete_or_overdue():
    allowed = {CeuStatus.NOT_REQUIRED, CeuStatus.COMPLETE, CeuStatus.OVERDUE}
    for certified, hours in itertools.product([d(2024, 6, 1), d(2025, 6, 1), None], [0, 5, 25]):
        entries = [(d(2025, 4, 1), hours)] if hours else []
        assert standing(certified, entries, 2025, d(2026, 1, 1)).status in allowed


def test_a_trainee_owes_nothing():
    s = standing(None, [(d(2025, 3, 1), 8)], 2025, d(2025, 12, 1))
    assert s.status == CeuStatus.NOT_REQUIRED and s.carry_out == 0


def test_pace_is_a_twelfth_per_whole_month_passed():
    assert pace_needed(required=D(20), year=2025, today=d(2025, 7, 1)) == 10
    assert pace_needed(required=D(20), year=2025, today=d(2024, 12, 1)) == 0
    assert pace_needed(required=D(20), year=2025, today=d(2026, 1, 1)) == 20


# --- reminders_due ------------------------------------------------------------------------


CERTIFIED = d(2024, 6, 1)


def due(hours, today, expires_on=None, certified_on=CERTIFIED):
    s = standing(certified_on, [(d(today.year, 1, 2), hours)] if hours else [], today.year, today)
    return {
        (r.kind, r.period)
        for r in reminders_due(
            standing=s,
            today=today,
            expires_on=expires_on,
            escalation_months=[10, 12],
            renewal_days=[60, 30, 7],
        )
    }


def test_progress_monthly_while_hours_are_owed_and_none_once_complete():
    assert due(12, d(2025, 3, 10)) == {(Reminder.PROGRESS, "2025-03")}
    assert due(20, d(2025, 3, 10)) == set()
    assert due(0, d(2025, 3, 10), certified_on=d(2025, 1, 5)) == set()  # certification year


def test_behind_is_once_a_year_and_escalation_only_in_october_and_december():
    assert due(2, d(2025, 7, 1)) == {(Reminder.PROGRESS, "2025-07"), (Reminder.BEHIND, "2025")}
    october = due(2, d(2025, 10, 1))
    assert (Reminder.ESCALATION, "2025-10") in october
    assert not any(k == Reminder.ESCALATION for k, _ in due(2, d(2025, 11, 3)))
    assert (Reminder.ESCALATION, "2025-12") in due(2, d(2025, 12, 1))
    assert not any(k == Reminder.ESCALATION for k, _ in due(20, d(2025, 10, 1)))


def test_renewal_reminders_at_60_30_and_7_days_and_the_nearest_one_on_a_late_run():
    expiry = d(2025, 6, 30)
    renewal = lambda today: {p for k, p in due(20, today, expiry) if k == Reminder.RENEWAL}  # noqa: E731
    assert renewal(d(2025, 4, 30)) == set()  # 61 days before
    assert renewal(d(2025, 5, 1)) == {"2025-06-30/60"}
    assert renewal(d(2025, 5, 31)) == {"2025-06-30/30"}
    assert renewal(d(2025, 6, 23)) == {"2025-06-30/7"}
    assert renewal(d(2025, 6, 25)) == {"2025-06-30/7"}  # same period: deduplicated later
    assert renewal(d(2025, 6, 30)) == {"2025-06-30/7"}  # the last day: still the last reminder
    assert renewal(d(2025, 7, 1)) == set()  # expired: the lapse shows elsewhere


def test_each_trail_has_its_own_first_steps_and_the_same_state_steps():
    assert requirements_for_trail("volunteer")[:2] == ("volunteer_hours", "additional_training")
    assert requirements_for_trail("transfer")[0] == "transfer_certificate"
    assert set(requirements_for_trail("employment")) > {"exam", "background_check", "attestation"}


def test_a_trail_without_steps_of_its_own_has_only_the_state_steps():
    assert requirements_for_trail("") == COMMON_REQUIREMENTS


def test_every_checklist_code_is_a_requirement_the_app_knows():
    from certification.models import Requirement
    from certification.rules import COMMON_REQUIREMENTS, TRAIL_REQUIREMENTS

    codes = set(COMMON_REQUIREMENTS).union(*TRAIL_REQUIREMENTS.values())
    assert codes <= set(Requirement.values)


# --- hours in one day (hours worked, hours of training attended) ----------------------------


@pytest.mark.parametrize(
    ("hours", "accepted"),
    [
        ("24", True),  # a whole day
        ("24.25", False),  # a quarter hour more than a day has
        ("23.75", True),
        ("0", True),  # a day with no hours
        ("-0.25", False),
        ("8.1", False),  # not in quarter hours
        ("8.5", True),
        ("0.25", True),
    ],
)
def test_hours_in_a_day_run_from_0_to_24_in_quarter_hours(hours, accepted):
    assert is_hours_in_a_day(D(hours)) is accepted


@pytest.mark.parametrize(
    ("hours", "quarter"),
    [("0", True), ("0.25", True), ("0.5", True), ("0.75", True), ("0.1", False), ("7.8", False)],
)
def test_quarter_hours(hours, quarter):
    assert is_quarter_hours(D(hours)) is quarter


def test_a_certification_is_in_force_from_the_day_it_is_issued():
    issued = Term(d(2025, 3, 4), d(2027, 3, 3))
    assert certification_on(d(2025, 3, 3), terms=[issued]) == DayStanding(False)
    assert certification_on(d(2025, 3, 4), terms=[issued]) == DayStanding(True)
