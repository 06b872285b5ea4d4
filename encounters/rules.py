"""Billing rules for encounters: 15-minute units and the payer's rate on the day."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def billable_units(minutes: int, *, unit_minutes: int = 15) -> int:
    """A unit counts once more than half of it was delivered (8 of 15 minutes):
    units = (minutes + 7) // 15, so 22 minutes is 1 unit and 23 minutes is 2."""
    if minutes <= 0:
        return 0
    return (minutes + (unit_minutes // 2)) // unit_minutes


def billable_amount(units: int, unit_rate: Decimal) -> Decimal:
    return (unit_rate * units).quantize(CENT, ROUND_HALF_UP)


def yearly_billing_estimate(
    *,
    billable_hours_per_week: Decimal,
    unit_rate: Decimal,
    unit_minutes: int = 15,
    weeks: int = 52,
) -> Decimal:
    """What a position could bill in a year: billable hours a week, in units, at the rate."""
    units_per_hour = Decimal(60) / unit_minutes
    return (billable_hours_per_week * units_per_hour * unit_rate * weeks).quantize(
        CENT, ROUND_HALF_UP
    )
