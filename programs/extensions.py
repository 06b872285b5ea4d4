"""Where a higher layer adds its figures to this layer's pages, so nothing here imports up.

Programs is the base every app stands on, yet some of its pages show figures that belong
to apps above it. Those apps register a function here when they start:
- a **home section** adds to the home page (reporting adds the manager's dashboard);
- a **program section** adds to a program's page (encounters adds the caseloads);
- the **billing estimator** says what a peer position could bill in a year (reporting
  answers with the Medicaid rate in force).
A page without a registered provider simply shows nothing of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from programs.budget import MedicaidEstimate
    from programs.models import Membership, PeerPosition, Program

HomeSection = Callable[["Membership"], dict[str, Any]]
ProgramSection = Callable[["Program", "Membership"], dict[str, Any]]
BillingEstimator = Callable[["PeerPosition", dt.date], "MedicaidEstimate | None"]

_home_sections: list[HomeSection] = []
_program_sections: list[ProgramSection] = []
_billing_estimators: list[BillingEstimator] = []


def _register(slot: list[Any], provider: Any) -> Any:
    if provider not in slot:  # ready() may run twice (tests, management commands)
        slot.append(provider)
    return provider


def add_home_section(section: HomeSection) -> HomeSection:
    return _register(_home_sections, section)


def add_program_section(section: ProgramSection) -> ProgramSection:
    return _register(_program_sections, section)


def set_billing_estimator(estimator: BillingEstimator) -> BillingEstimator:
    if _billing_estimators and _billing_estimators[0] is not estimator:
        raise RuntimeError("A billing estimator is already registered.")
    _billing_estimators[:] = [estimator]
    return estimator


def home_context(membership: Membership) -> dict[str, Any]:
    """What every registered section adds to the member's home page."""
    ctx: dict[str, Any] = {}
    for section in _home_sections:
        ctx.update(section(membership))
    return ctx


def program_context(program: Program, membership: Membership) -> dict[str, Any]:
    """What every registered section adds to a program's page for this member."""
    ctx: dict[str, Any] = {}
    for section in _program_sections:
        ctx.update(section(program, membership))
    return ctx


def billing_estimate(position: PeerPosition, today: dt.date) -> MedicaidEstimate | None:
    """What the position could bill in a year, or None when nobody can say."""
    return _billing_estimators[0](position, today) if _billing_estimators else None
