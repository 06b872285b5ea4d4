"""The CEU year rule: what a certified peer owes each calendar year, and where they stand.

Pure functions with no database access, so every edge case is cheap to test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")


class CeuStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    COMPLETE = "complete"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"


STATUS_LABELS = {
    CeuStatus.NOT_REQUIRED: "Nothing due",
    CeuStatus.COMPLETE: "Complete",
    CeuStatus.ON_TRACK: "On track",
    CeuStatus.BEHIND: "Behind",
    CeuStatus.OVERDUE: "Overdue",
}


@dataclass(frozen=True)
class CeuYear:
    year: int
    required: Decimal
    earned: Decimal
    carried_in: Decimal
    status: CeuStatus
    carry_out: Decimal

    @property
    def available(self) -> Decimal:
        return self.carried_in + self.earned

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.required - self.available)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.available * 100 / self.required))


def ceu_hours_required(*, certified_on: dt.date | None, year: int, per_year: Decimal) -> Decimal:
    """No hours are due before or in the certification year; from the January 1 after it
    (year two, whatever the certification date) `per_year` hours are due each year."""
    if certified_on is None or year <= certified_on.year:
        return ZERO
    return per_year


def pace_needed(*, required: Decimal, year: int, today: dt.date) -> Decimal:
    """Hours an even pace needs by `today`: a twelfth of the year's hours for each whole
    month already passed (on July 1, six twelfths: 10 of 20)."""
    if today.year < year:
        return ZERO
    months_passed = 12 if today.year > year else today.month - 1
    return required * months_passed / 12


def ceu_standing(
    *,
    certified_on: dt.date | None,
    entries: Iterable[tuple[dt.date, Decimal]],
    year: int,
    today: dt.date,
    per_year: Decimal,
    carry_cap: Decimal,
) -> CeuYear:
    """Standing for one calendar year, carrying surplus forward from the first year with hours.

    Hours beyond a year's requirement carry into the next year, at most `carry_cap`. The
    oldest hours are used first, so what carries is the newest surplus; hours earned in the
    certification year are all surplus and may carry (capped) into year two. A year that has
    ended is only ever not_required, complete or overdue.
    """
    by_year: dict[int, Decimal] = {}
    for day, hours in entries:
        by_year[day.year] = by_year.get(day.year, ZERO) + hours
    start = min([*by_year, year])
    carried = ZERO
    for y in range(start, year + 1):
        required = ceu_hours_required(certified_on=certified_on, year=y, per_year=per_year)
        earned = by_year.get(y, ZERO)
        available = carried + earned
        # Hours from before the certification year are not CEUs toward any year.
        counts = certified_on is not None and y >= certified_on.year
        carry_out = min(carry_cap, max(ZERO, available - required)) if counts else ZERO
        if y == year:
            return CeuYear(
                year=y,
                required=required,
                earned=earned,
                carried_in=carried,
                status=_status(required=required, available=available, year=y, today=today),
                carry_out=carry_out,
            )
        carried = carry_out
    raise AssertionError("unreachable: the loop always reaches `year`")


def _status(*, required: Decimal, available: Decimal, year: int, today: dt.date) -> CeuStatus:
    if not required:
        return CeuStatus.NOT_REQUIRED
    if available >= required:
        return CeuStatus.COMPLETE
    if today > dt.date(year, 12, 31):
        return CeuStatus.OVERDUE
    if available < pace_needed(required=required, year=year, today=today):
        return CeuStatus.BEHIND
    return CeuStatus.ON_TRACK


# --- Reminders ----------------------------------------------------------------------------
class Reminder(StrEnum):
    PROGRESS = "ceu_progress"
    BEHIND = "ceu_behind"
    ESCALATION = "ceu_escalation"
    RENEWAL = "renewal"


@dataclass(frozen=True)
class DueReminder:
    kind: Reminder
    period: str  # with the kind, what makes the reminder unique for a person


def reminders_due(
    *,
    standing: CeuYear,
    today: dt.date,
    expires_on: dt.date | None,
    escalation_months: Iterable[int],
    renewal_days: Iterable[int],
) -> list[DueReminder]:
    """Which reminders a peer is due today; each is sent once per kind and period.

    - progress: once a month while the year's hours are owed and not yet complete;
    - behind: once a year, the first day the status is behind;
    - escalation (to the manager): in each escalation month, while still short;
    - renewal: before expiry, at the nearest threshold already reached (60, 30, 7 days),
      so a late first run sends one reminder, not three.
    """
    due: list[DueReminder] = []
    owed = standing.status in (CeuStatus.ON_TRACK, CeuStatus.BEHIND)
    if owed and standing.year == today.year:
        due.append(DueReminder(Reminder.PROGRESS, f"{today:%Y-%m}"))
        if standing.status == CeuStatus.BEHIND:
            due.append(DueReminder(Reminder.BEHIND, f"{today:%Y}"))
        if today.month in set(escalation_months):
            due.append(DueReminder(Reminder.ESCALATION, f"{today:%Y-%m}"))
    if expires_on is not None and today <= expires_on:
        days_left = (expires_on - today).days
        reached = [n for n in renewal_days if days_left <= n]
        if reached:
            due.append(DueReminder(Reminder.RENEWAL, f"{expires_on.isoformat()}/{min(reached)}"))
    return due


# --- The certification checklist ----------------------------------------------------------
COMMON_REQUIREMENTS = (
    "application",
    "fee",
    "training_hours",
    "exam",
    "supervision_agreement",
    "background_check",
    "recovery_two_years",
    "attestation",
)
TRAIL_REQUIREMENTS = {
    "employment": ("employment_verified",),
    "self_pay": ("training_fee",),
    "transfer": ("transfer_certificate",),
    "volunteer": ("volunteer_hours", "additional_training"),
}


# Steps only the organization can vouch for: the fingerprint background check, and on the
# employment route the employment or job offer, which the employer verifies (the guide's
# words). A peer may mark the other steps done themself.
MANAGER_VERIFIED_REQUIREMENTS = frozenset({"background_check", "employment_verified"})


def verified_by_manager_only(requirement: str) -> bool:
    """Whether only a manager or admin may mark this checklist step done."""
    return requirement in MANAGER_VERIFIED_REQUIREMENTS


def requirements_for_trail(trail: str) -> tuple[str, ...]:
    """Every route ends in the same state steps; each route adds its own first steps."""
    return TRAIL_REQUIREMENTS.get(trail, ()) + COMMON_REQUIREMENTS


def is_quarter_hours(hours: Decimal) -> bool:
    return (hours * 4) == (hours * 4).to_integral_value()


HOURS_RANGE = "Enter hours from 0 to 24, in quarter hours."


def is_hours_in_a_day(hours: Decimal) -> bool:
    """From 0 to 24, in quarter hours: hours worked or attended on one day."""
    return Decimal(0) <= hours <= Decimal(24) and is_quarter_hours(hours)


# --- Certification history: is a peer certified on a given day? ------------------------
@dataclass(frozen=True)
class Term:
    """A period a certification is granted for: the issue, or one renewal."""

    starts_on: dt.date
    expires_on: dt.date | None  # None: no expiry recorded


@dataclass(frozen=True)
class RecordedLapse:
    """A lapse someone recorded (an expiry noticed, a suspension), until reinstated."""

    starts_on: dt.date
    reinstated_on: dt.date | None = None


@dataclass(frozen=True)
class DayStanding:
    certified: bool
    lapsed_on: dt.date | None = None  # the first day of the lapse the day falls in


NOT_YET_CERTIFIED = DayStanding(False)


def term_in_force(term: Term, day: dt.date) -> bool:
    """A term is in force from its first day through its expiry day inclusive: a
    certification that expires on June 30 still bills on June 30 and lapses on July 1."""
    return term.starts_on <= day and (term.expires_on is None or day <= term.expires_on)


def lapse_end(lapse: RecordedLapse, terms: Iterable[Term]) -> dt.date | None:
    """A recorded lapse ends (exclusive) on its reinstatement, or on the day the first term
    starting on or after the lapse's first day takes effect; None while it runs on."""
    if lapse.reinstated_on is not None:
        return lapse.reinstated_on
    later = [t.starts_on for t in terms if t.starts_on >= lapse.starts_on]
    return min(later) if later else None


def certification_on(
    day: dt.date, *, terms: Iterable[Term], lapses: Iterable[RecordedLapse] = ()
) -> DayStanding:
    """One certification's standing on `day`. It is in force on a day some term covers,
    unless a recorded lapse covers it; a day after an expiry that no term covers is a lapse
    from the day after that expiry (however late a renewal is recorded, it decides only by
    the day it takes effect)."""
    terms = list(terms)
    if not any(t.starts_on <= day for t in terms):
        return NOT_YET_CERTIFIED
    for lapse in lapses:
        end = lapse_end(lapse, terms)
        if lapse.starts_on <= day and (end is None or day < end):
            return DayStanding(False, lapse.starts_on)
    if any(term_in_force(t, day) for t in terms):
        return DayStanding(True)
    expiries = [t.expires_on for t in terms if t.expires_on is not None and t.expires_on < day]
    return DayStanding(False, max(expiries) + dt.timedelta(days=1))


def peer_certification_on(day: dt.date, standings: Iterable[DayStanding]) -> DayStanding:
    """A peer holding several certifications is certified on a day any of them is in
    force; otherwise the most recent lapse among them is the one that counts."""
    standings = list(standings)
    if any(s.certified for s in standings):
        return DayStanding(True)
    lapses = [s.lapsed_on for s in standings if s.lapsed_on is not None]
    return DayStanding(False, max(lapses)) if lapses else NOT_YET_CERTIFIED
