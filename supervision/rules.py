"""The rules of clinical supervision: who may supervise, and how much supervision a
month's work needs. Numbers come from settings (Montana defaults)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.conf import settings


def eligible_from(licensed_on: dt.date | None) -> dt.date | None:
    """The day a supervisor reaches SUPERVISOR_YEARS_LICENSED years of licensure."""
    if licensed_on is None:
        return None
    years = settings.SUPERVISOR_YEARS_LICENSED
    try:
        return licensed_on.replace(year=licensed_on.year + years)
    except ValueError:  # licensed on February 29
        return licensed_on.replace(year=licensed_on.year + years, day=28)


def supervisor_eligible_on(
    day: dt.date, *, license_type: str, licensed_on: dt.date | None, ceu_hours: Decimal
) -> bool:
    """A licensed supervisor may supervise peers 3 years after licensure, or sooner with
    20 hours of CEUs in clinical supervision. Without a license type, never."""
    if not license_type:
        return False
    if ceu_hours >= settings.SUPERVISOR_CEU_HOURS and licensed_on is not None:
        return licensed_on <= day
    start = eligible_from(licensed_on)
    return start is not None and start <= day


def required_minutes(hours_worked: Decimal) -> Decimal:
    """Supervision owed for the hours worked: 1 hour per 20, i.e. 3 minutes per hour."""
    return (hours_worked * settings.SUPERVISION_MINUTES_PER_HOUR_WORKED).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MonthRatio:
    hours_worked: Decimal
    required_minutes: Decimal
    received_minutes: int
    # Of hours_worked, those the peer reported that nobody has confirmed yet. They still
    # count (the peer owes supervision for them), but a figure resting on them says so.
    unconfirmed_hours: Decimal = Decimal(0)

    @property
    def rests_on_unconfirmed_hours(self) -> bool:
        return self.unconfirmed_hours > 0

    @property
    def balance_minutes(self) -> Decimal:
        """Received minus required: negative when supervision is still owed."""
        return Decimal(self.received_minutes) - self.required_minutes

    @property
    def compliant(self) -> bool:
        return self.balance_minutes >= 0


def month_ratio(
    hours_worked: Decimal, received_minutes: int, unconfirmed_hours: Decimal = Decimal(0)
) -> MonthRatio:
    return MonthRatio(
        hours_worked, required_minutes(hours_worked), received_minutes, unconfirmed_hours
    )


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a calendar month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


class MonthStanding(StrEnum):
    MET = "met"
    BEHIND_PACE = "behind_pace"
    SHORT = "short"


def month_standing(ratio: MonthRatio, *, year: int, month: int, today: dt.date) -> MonthStanding:
    """Where a peer's month of supervision stands on `today`: met when the minutes had
    cover the minutes owed so far; otherwise "behind pace" while the month still runs (a
    session can still make it up) and "short" only once its last day has passed."""
    if ratio.compliant:
        return MonthStanding.MET
    if today <= month_bounds(year, month)[1]:
        return MonthStanding.BEHIND_PACE
    return MonthStanding.SHORT
