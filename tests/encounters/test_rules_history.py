"""encounters.rules for billing that follows history: the row in force on a day (rates and
payer terms alike) and the reason of an encounter in a certification lapse."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from encounters.rules import (
    CERTIFICATION_LAPSED,
    NOT_CERTIFIED,
    Billing,
    billing_decision,
    in_force_on,
)


@dataclass(frozen=True)
class Row:
    effective_from: dt.date
    name: str


ROWS = [Row(dt.date(2025, 7, 1), "july"), Row(dt.date(2025, 1, 1), "january")]


def _name(rows: list[Row], day: dt.date) -> str | None:
    row = in_force_on(rows, day)
    return row.name if row is not None else None


def test_the_row_in_force_is_the_latest_started_on_or_before_the_day():
    assert _name(ROWS, dt.date(2024, 12, 31)) is None
    assert _name(ROWS, dt.date(2025, 1, 1)) == "january"
    assert _name(ROWS, dt.date(2025, 6, 30)) == "january"
    assert _name(ROWS, dt.date(2025, 7, 1)) == "july"
    assert _name(list(reversed(ROWS)), dt.date(2026, 1, 1)) == "july"
    assert _name([], dt.date(2025, 1, 1)) is None


def _decide(**kw: Any) -> Billing:
    args: dict[str, Any] = dict(
        minutes=30,
        date=dt.date(2025, 8, 1),
        service_type="skills_coaching",
        payer_name="Medicaid",
        unit_rate=Decimal("14.01"),
        requires_certification=True,
        peer_certified=False,
    )
    args.update(kw)
    return billing_decision(**args)


def test_an_encounter_in_a_lapse_names_the_day_the_lapse_began():
    lapsed = _decide(lapsed_on=dt.date(2025, 7, 1))
    assert not lapsed.billable and (lapsed.units, lapsed.amount) == (0, Decimal(0))
    assert lapsed.reason == CERTIFICATION_LAPSED.format(
        payer="Medicaid", lapsed_on=dt.date(2025, 7, 1)
    )
    assert lapsed.reason.endswith("certification lapsed on 2025-07-01.")
    never = _decide()
    assert never.reason == NOT_CERTIFIED.format(payer="Medicaid", date=dt.date(2025, 8, 1))


def test_a_lapse_date_does_not_matter_when_the_peer_is_certified_or_the_payer_does_not_ask():
    assert _decide(peer_certified=True, lapsed_on=dt.date(2025, 7, 1)).billable
    assert _decide(requires_certification=False, lapsed_on=dt.date(2025, 7, 1)).billable
