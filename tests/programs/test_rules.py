"""programs.rules, pure: the cost-per-peer calculator's arithmetic and warnings, the readiness
verdict and its plan's deadline, the development phases' order, and caseload limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from programs.rules import (
    PHASES,
    FundingLine,
    caseload_warnings,
    next_phase,
    plan_deadline,
    position_budget,
    readiness_verdict,
    yearly_wages,
)

TODAY = dt.date(2026, 3, 1)


def budget(**kw):
    args: dict[str, Any] = {
        "hourly_wage": D("18"),
        "hours_per_week": D("40"),
        "salary": None,
        "lines": {"benefits": D("7488"), "supervision": D("3000")},
        "funding": [
            FundingLine("medicaid", D("30000")),
            FundingLine("grant", D("20000"), dt.date(2027, 6, 30)),
        ],
        "today": TODAY,
        "regional_wage": D("17"),
        "grant_warning_days": 183,
    }
    args.update(kw)
    return position_budget(**args)


def test_wages_from_hourly_rate_or_salary():
    assert yearly_wages(hourly_wage=D("17"), hours_per_week=D("40"), salary=None) == D("35360")
    assert yearly_wages(hourly_wage=D("17"), hours_per_week=D("40"), salary=D("38000")) == 38000
    assert yearly_wages(hourly_wage=None, hours_per_week=None, salary=None) == 0


def test_total_cost_balance_and_no_warnings_for_a_healthy_position():
    b = budget()
    assert b.wages == D("37440.00")
    assert b.total_cost == D("47928.00")
    assert b.balance == D("2072.00") and b.deficit == 0
    assert b.warnings == []


def test_a_deficit_says_what_would_close_it():
    b = budget(funding=[FundingLine("medicaid", D("30000")), FundingLine("contract", D("15000"))])
    assert b.balance == D("-2928.00")
    assert b.deficit == D("2928.00")
    assert any("Deficit of $2,928.00" in w for w in b.warnings)


def test_a_balance_of_exactly_zero_is_not_a_deficit():
    b = budget(funding=[FundingLine("medicaid", D("27928")), FundingLine("pact", D("20000"))])
    assert b.balance == 0 and not any("Deficit" in w for w in b.warnings)


def test_single_source_low_wage_and_grant_ending_soon_warn():
    b = budget(
        hourly_wage=D("16.99"), funding=[FundingLine("grant", D("60000"), dt.date(2026, 8, 31))]
    )
    text = " ".join(b.warnings)
    assert "Only one funding source" in text
    assert "below the regional average of $17.00" in text
    assert "A grant ends on August 31, 2026" in text
    assert not any("regional" in w for w in budget(hourly_wage=D("17")).warnings)
    far = budget(
        funding=[
            FundingLine("grant", D("60000"), dt.date(2026, 9, 1)),
            FundingLine("medicaid", D("1")),
        ]
    )
    assert not any("grant ends" in w for w in far.warnings)  # 184 days away


def test_an_ended_grant_pays_for_nothing_and_says_so():
    b = budget(
        funding=[
            FundingLine("grant", D("60000"), dt.date(2026, 2, 28)),
            FundingLine("medicaid", D("10000")),
        ]
    )
    assert b.funding == D("10000")
    assert any("ended on February 28, 2026" in w for w in b.warnings)
    same_day = budget(
        funding=[FundingLine("grant", D("60000"), TODAY), FundingLine("medicaid", D("10000"))]
    )
    assert same_day.funding == D("70000")  # still paying on its last day


def test_the_wage_check_uses_the_salary_when_there_is_one():
    high = budget(salary=D("60000"), hourly_wage=D("10"), hours_per_week=D("40"))
    assert not any("regional average" in w for w in high.warnings)  # $28.85/hour
    low = budget(salary=D("20000"), hourly_wage=D("30"), hours_per_week=D("40"))
    assert any("$9.62/hour" in w for w in low.warnings)


def test_two_grants_are_two_sources():
    b = budget(funding=[FundingLine("grant", D("30000")), FundingLine("grant", D("30000"))])
    assert not any("Only one funding source" in w for w in b.warnings)


def test_wages_need_both_an_hourly_rate_and_hours():
    assert yearly_wages(hourly_wage=D("17"), hours_per_week=None, salary=None) == 0
    assert yearly_wages(hourly_wage=None, hours_per_week=D("40"), salary=None) == 0


def test_a_salary_is_the_yearly_wages_even_beside_an_hourly_rate():
    b = budget(salary=D("38000"), hourly_wage=D("18"), hours_per_week=D("40"))
    assert b.wages == D("38000.00")


def test_every_warning_says_what_is_wrong_in_full():
    b = budget(funding=[FundingLine("state_contract", D("1000"), dt.date(2026, 2, 28))])
    assert b.warnings == [
        "Deficit of $47,928.00 a year: find that much more funding or cut costs before the "
        "position starts.",
        "No current funding for this position.",
        "A state contract source ended on February 28, 2026 and no longer counts.",
    ]
    single = budget(funding=[FundingLine("medicaid", D("60000"))])
    assert single.warnings == ["Only one funding source: a second source protects the position."]


def test_no_funding_at_all_is_a_money_amount_of_zero():
    b = budget(funding=[])
    assert b.funding == 0 and isinstance(b.funding, D)
    assert "No current funding for this position." in b.warnings


def test_a_salary_without_hours_a_week_gives_no_hourly_wage_to_check():
    b = budget(salary=D("20000"), hourly_wage=D("5"), hours_per_week=None)
    assert not any("regional average" in w for w in b.warnings)


def test_a_grant_ending_today_still_warns_that_it_ends():
    b = budget(funding=[FundingLine("grant", D("60000"), TODAY), FundingLine("medicaid", D("1"))])
    assert "A grant ends on March 1, 2026: plan what replaces it." in b.warnings


# --- Readiness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "total", "threshold", "percent", "ready"),
    [
        (8, 10, 80, 80, True),
        (7, 10, 80, 70, False),
        (2, 3, 67, 67, True),  # 66.7% rounds to 67
        (2, 3, 68, 67, False),
        (0, 0, 80, 0, False),  # no statements: nothing to be ready on
    ],
)
def test_the_readiness_verdict_is_the_rounded_share_of_yes_against_the_threshold(
    yes, total, threshold, percent, ready
):
    verdict = readiness_verdict(yes=yes, total=total, threshold_percent=threshold)
    assert (verdict.yes, verdict.total, verdict.threshold_percent) == (yes, total, threshold)
    assert (verdict.percent, verdict.ready, verdict.needs_plan) == (percent, ready, not ready)


@pytest.mark.parametrize(("yes", "total"), [(-1, 10), (11, 10)])
def test_more_yes_answers_than_statements_or_fewer_than_none_is_an_error(yes, total):
    with pytest.raises(ValueError) as err:
        readiness_verdict(yes=yes, total=total, threshold_percent=80)
    assert str(err.value) == "yes answers must be between 0 and the number of statements"


def test_readiness_verdicts_at_the_edges_of_the_answers():
    assert readiness_verdict(yes=0, total=10, threshold_percent=80).percent == 0
    assert readiness_verdict(yes=10, total=10, threshold_percent=80).ready


def test_a_plans_deadline_is_the_assessment_day_plus_the_days_allowed():
    assert plan_deadline(dt.date(2025, 3, 1), days=365) == dt.date(2026, 3, 1)
    assert plan_deadline(dt.date(2024, 1, 1), days=365) == dt.date(2024, 12, 31)  # leap year
    assert plan_deadline(dt.date(2025, 3, 1), days=0) == dt.date(2025, 3, 1)


# --- Phases and caseloads ---------------------------------------------------------------


def test_phases_run_in_order_and_operational_is_the_last():
    assert PHASES == ("planning", "implementation", "operational")
    assert next_phase("planning") == "implementation"
    assert next_phase("implementation") == "operational"
    assert next_phase("operational") is None


@pytest.mark.parametrize(
    ("clients", "hours", "expected"),
    [
        (12, D("40"), []),  # at both limits: not over
        (13, D("40"), ["13 active clients: over the limit of 12."]),
        (12, D("40.5"), ["40.5 hours a week: over the limit of 40."]),
        (
            13,
            D("45.0"),
            ["13 active clients: over the limit of 12.", "45 hours a week: over the limit of 40."],
        ),
        (0, None, []),  # hours not given
    ],
)
def test_a_caseload_over_the_programs_limits_warns(clients, hours, expected):
    assert (
        caseload_warnings(
            active_clients=clients,
            hours_per_week=hours,
            caseload_limit=12,
            hours_limit=D("40.0"),
        )
        == expected
    )
