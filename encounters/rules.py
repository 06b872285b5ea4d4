"""Billing rules for encounters: 15-minute units and the payer's rate on the day."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

CENT = Decimal("0.01")
UNIT_MINUTES = 15  # Medicaid's billing unit; a payer's rate may set its own


def billable_units(minutes: int, *, unit_minutes: int = UNIT_MINUTES) -> int:
    """A unit counts once more than half of it was delivered (8 of 15 minutes):
    units = (minutes + 7) // 15, so 22 minutes is 1 unit and 23 minutes is 2."""
    if minutes <= 0:
        return 0
    # More than half: 8 of 15 minutes, 31 of 60 (not 30), 16 of 30.
    return (minutes + (unit_minutes - 1) // 2) // unit_minutes


def billable_amount(units: int, unit_rate: Decimal) -> Decimal:
    return (unit_rate * units).quantize(CENT, ROUND_HALF_UP)


def yearly_billing_estimate(
    *,
    billable_hours_per_week: Decimal,
    unit_rate: Decimal,
    unit_minutes: int = UNIT_MINUTES,
    weeks: int = 52,
) -> Decimal:
    """What a position could bill in a year: billable hours a week, in units, at the rate."""
    units_per_hour = Decimal(60) / unit_minutes
    return (billable_hours_per_week * units_per_hour * unit_rate * weeks).quantize(
        CENT, ROUND_HALF_UP
    )


TOO_SHORT = "Under {half} minutes: not a billable unit."
NO_SERVICE_TYPE = "No billable service type was chosen."
NO_PAYER = "No payer was chosen."
NO_RATE = "{payer} has no rate in force on {date}."
NOT_CERTIFIED = (
    "{payer} pays only for certified peers; the peer held no active certification on {date}."
)
CERTIFICATION_LAPSED = (
    "{payer} pays only for certified peers; the peer's certification lapsed on {lapsed_on}."
)
DAILY_CAP_REACHED = "{payer}'s daily limit of units for this client was already used that day."


class Dated(Protocol):
    @property
    def effective_from(self) -> dt.date: ...


D = TypeVar("D", bound=Dated)


def in_force_on(rows: Iterable[D], day: dt.date) -> D | None:
    """The row in force on `day`: the one starting latest on or before it (rates and
    billing terms alike); None before the first."""
    started = [r for r in rows if r.effective_from <= day]
    return max(started, key=lambda r: r.effective_from) if started else None


@dataclass(frozen=True)
class Billing:
    billable: bool
    units: int
    amount: Decimal
    reason: str = ""


def billing_decision(
    *,
    minutes: int,
    date: dt.date,
    service_type: str,
    payer_name: str | None,
    unit_rate: Decimal | None,
    unit_minutes: int = UNIT_MINUTES,
    requires_certification: bool = True,
    peer_certified: bool = False,
    lapsed_on: dt.date | None = None,
    units_left_today: int | None = None,
) -> Billing:
    """An encounter bills when it has a service type, a payer with a rate in force on its
    date, and, for a payer that requires it, a peer certified on that date (the reason names
    the day a lapse began, `lapsed_on`, when the date falls in one). Its units are
    `billable_units(minutes)`, cut to what the payer's daily cap per client leaves."""
    if not service_type:
        return Billing(False, 0, Decimal(0), NO_SERVICE_TYPE)
    if payer_name is None:
        return Billing(False, 0, Decimal(0), NO_PAYER)
    if unit_rate is None:
        return Billing(False, 0, Decimal(0), NO_RATE.format(payer=payer_name, date=date))
    if requires_certification and not peer_certified:
        if lapsed_on is not None:
            why = CERTIFICATION_LAPSED.format(payer=payer_name, lapsed_on=lapsed_on)
            return Billing(False, 0, Decimal(0), why)
        return Billing(False, 0, Decimal(0), NOT_CERTIFIED.format(payer=payer_name, date=date))
    units = billable_units(minutes, unit_minutes=unit_minutes)
    if units == 0:
        return Billing(False, 0, Decimal(0), TOO_SHORT.format(half=unit_minutes // 2 + 1))
    if units_left_today is not None and units > units_left_today:
        units = max(units_left_today, 0)
        if units == 0:
            return Billing(False, 0, Decimal(0), DAILY_CAP_REACHED.format(payer=payer_name))
    return Billing(True, units, billable_amount(units, unit_rate))


@dataclass(frozen=True)
class NotBillableReason:
    code: str
    template: str  # the reason as billing_decision words it
    label: str  # what a manager reads in a count
    fix: str  # what to do about it


NOT_BILLABLE_REASONS = (
    NotBillableReason(
        "no_service_type",
        NO_SERVICE_TYPE,
        "No billable service chosen",
        "Open each one and choose the service given; a peer can correct their own for a "
        "while after saving.",
    ),
    NotBillableReason(
        "no_payer",
        NO_PAYER,
        "No payer chosen",
        "Open each one and choose who pays (Medicaid, a grant, another payer).",
    ),
    NotBillableReason(
        "no_rate",
        NO_RATE,
        "The payer had no rate on the day",
        "Add the payer's rate from the day it started; saved encounters are billed again.",
    ),
    NotBillableReason(
        "not_certified",
        NOT_CERTIFIED,
        "The peer was not certified",
        "Record the peer's certification, or bill these to a payer that does not require it.",
    ),
    NotBillableReason(
        "certification_lapsed",
        CERTIFICATION_LAPSED,
        "The peer's certification had lapsed",
        "Record the renewal if it was renewed; otherwise these cannot bill.",
    ),
    NotBillableReason(
        "too_short",
        TOO_SHORT,
        "Too short for a unit",
        "Check the minutes recorded; under half a unit cannot bill.",
    ),
    NotBillableReason(
        "daily_cap",
        DAILY_CAP_REACHED,
        "The payer's daily limit was reached",
        "Nothing to fix: the payer pays no more units for that client that day.",
    ),
)
OTHER_REASON = NotBillableReason(
    "other", "", "Another reason", "Open one to read why it did not bill."
)


def not_billable_pattern(template: str) -> str:
    """A regular expression matching every reason worded from `template` (its fields, such
    as the payer's name and the date, match anything), anchored at both ends."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return "^" + ".*".join(re.escape(p) for p in parts) + "$"


def not_billable_reason_code(reason: str) -> str:
    """Which of NOT_BILLABLE_REASONS a stored reason is ("other" for none of them)."""
    for r in NOT_BILLABLE_REASONS:
        if re.match(not_billable_pattern(r.template), reason):
            return r.code
    return OTHER_REASON.code
