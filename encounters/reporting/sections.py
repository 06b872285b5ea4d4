"""Figures reporting lends to pages of the layers below (registered in programs.extensions):
the dashboard on the home page of those who see reports, and a peer position's yearly
Medicaid billing estimate on the budget page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from encounters.reporting.dashboard import dashboard
from encounters.rules import yearly_billing_estimate
from encounters.selectors import rate_on, shared_payer
from programs.access import Capability, can
from programs.budget import MedicaidEstimate
from programs.models import Membership, PeerPosition


def dashboard_section(membership: Membership) -> dict[str, Any]:
    if not can(membership, Capability.VIEW_REPORTS):
        return {}
    return {"dashboard": dashboard(membership, membership.organization.today())}


def medicaid_estimate(position: PeerPosition, today: dt.date) -> MedicaidEstimate | None:
    """What the position could bill Medicaid in a year at the rate in force `today`."""
    payer = shared_payer("medicaid")
    rate = rate_on(payer, today) if payer else None
    if rate is None or not position.billable_hours_per_week:
        return None
    amount = yearly_billing_estimate(
        billable_hours_per_week=position.billable_hours_per_week,
        unit_rate=rate.unit_amount,
        unit_minutes=rate.unit_minutes,
    )
    return MedicaidEstimate(amount, position.billable_hours_per_week, rate)
