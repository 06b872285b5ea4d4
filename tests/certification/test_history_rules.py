"""The certification history rule (certification.rules): in force on a day, lapses, and a
peer holding several certifications. Pure functions: every edge costs nothing."""

from __future__ import annotations

import datetime as dt

from certification.rules import (
    NOT_YET_CERTIFIED,
    DayStanding,
    RecordedLapse,
    Term,
    certification_on,
    lapse_end,
    peer_certification_on,
    term_in_force,
)

D = dt.date
ISSUE = Term(D(2024, 1, 1), D(2025, 6, 30))


def test_a_certification_is_in_force_on_its_expiry_day_and_lapses_the_day_after():
    assert term_in_force(ISSUE, D(2025, 6, 30))
    assert not term_in_force(ISSUE, D(2025, 7, 1))
    assert certification_on(D(2025, 6, 30), terms=[ISSUE]) == DayStanding(True)
    assert certification_on(D(2025, 7, 1), terms=[ISSUE]) == DayStanding(False, D(2025, 7, 1))


def test_a_term_starts_on_its_first_day_and_one_without_expiry_runs_on():
    assert term_in_force(ISSUE, D(2024, 1, 1)) and not term_in_force(ISSUE, D(2023, 12, 31))
    assert term_in_force(Term(D(2024, 1, 1), None), D(2040, 1, 1))
    assert certification_on(D(2023, 12, 31), terms=[ISSUE]) == NOT_YET_CERTIFIED


def test_a_renewal_taking_effect_later_leaves_the_days_between_as_a_lapse():
    renewal = Term(D(2025, 8, 15), D(2027, 6, 30))
    terms = [ISSUE, renewal]
    assert certification_on(D(2025, 6, 30), terms=terms).certified
    for day in (D(2025, 7, 1), D(2025, 8, 14)):
        assert certification_on(day, terms=terms) == DayStanding(False, D(2025, 7, 1))
    assert certification_on(D(2025, 8, 15), terms=terms) == DayStanding(True)


def test_a_renewal_from_the_day_after_expiry_leaves_no_lapse():
    terms = [ISSUE, Term(D(2025, 7, 1), D(2027, 6, 30))]
    assert all(
        certification_on(D(2025, 6, 28) + dt.timedelta(days=n), terms=terms).certified
        for n in range(6)
    )


def test_after_two_expiries_the_lapse_counts_from_the_latest_one_passed():
    terms = [ISSUE, Term(D(2025, 7, 1), D(2026, 6, 30))]
    assert certification_on(D(2026, 9, 1), terms=terms) == DayStanding(False, D(2026, 7, 1))


def test_a_recorded_lapse_runs_until_reinstated_or_a_renewal_takes_effect():
    suspended = RecordedLapse(D(2025, 3, 1))
    assert certification_on(D(2025, 2, 28), terms=[ISSUE], lapses=[suspended]).certified
    assert certification_on(D(2025, 3, 1), terms=[ISSUE], lapses=[suspended]) == DayStanding(
        False, D(2025, 3, 1)
    )
    assert lapse_end(suspended, [ISSUE]) is None
    reinstated = RecordedLapse(D(2025, 3, 1), D(2025, 4, 10))
    assert lapse_end(reinstated, [ISSUE]) == D(2025, 4, 10)
    assert not certification_on(D(2025, 4, 9), terms=[ISSUE], lapses=[reinstated]).certified
    assert certification_on(D(2025, 4, 10), terms=[ISSUE], lapses=[reinstated]).certified
    renewal = Term(D(2025, 5, 2), D(2027, 6, 30))
    assert lapse_end(suspended, [ISSUE, renewal]) == D(2025, 5, 2)
    assert not certification_on(D(2025, 5, 1), terms=[ISSUE, renewal], lapses=[suspended]).certified
    assert certification_on(D(2025, 5, 2), terms=[ISSUE, renewal], lapses=[suspended]).certified


def test_a_renewal_on_the_lapse_s_first_day_ends_it_before_it_begins():
    lapse = RecordedLapse(D(2025, 7, 1))
    renewal = Term(D(2025, 7, 1), D(2027, 6, 30))
    assert lapse_end(lapse, [ISSUE, renewal]) == D(2025, 7, 1)
    assert certification_on(D(2025, 7, 1), terms=[ISSUE, renewal], lapses=[lapse]).certified


def test_a_renewal_taking_effect_before_a_suspension_does_not_end_it():
    early = Term(D(2025, 2, 1), D(2027, 6, 30))
    lapse = RecordedLapse(D(2025, 3, 1))
    assert lapse_end(lapse, [ISSUE, early]) is None
    assert not certification_on(D(2026, 1, 1), terms=[ISSUE, early], lapses=[lapse]).certified


def test_a_peer_is_certified_when_any_certification_is_in_force():
    lapsed = DayStanding(False, D(2025, 7, 1))
    assert peer_certification_on(D(2025, 8, 1), [lapsed, DayStanding(True)]).certified
    older = DayStanding(False, D(2024, 1, 1))
    assert peer_certification_on(D(2025, 8, 1), [older, lapsed]) == lapsed
    assert peer_certification_on(D(2025, 8, 1), [NOT_YET_CERTIFIED]) == NOT_YET_CERTIFIED
    assert peer_certification_on(D(2025, 8, 1), []) == NOT_YET_CERTIFIED
