"""The cost-per-peer calculator's arithmetic and warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

from programs.rules import FundingLine, position_budget, yearly_wages

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
