"""Rules for organizations and programs, as pure functions with numbers from settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The readiness self-assessment: ten statements about an organization's recovery culture,
# in our own words (after the Montana Peer Support Task Force's provider self-assessment).
READINESS_STATEMENTS: dict[str, str] = {
    "community_education": "We run regular community education on wellness and recovery.",
    "guiding_principles": "We actively promote the 10 guiding principles of recovery.",
    "peer_value": "We believe peer support staff would strengthen our treatment team.",
    "promotes_recovery": "We promote recovery and wellness as far as we are able.",
    "peer_at_every_level": "We offer peer support at every level of service.",
    "flexible_hours": "Clients in recovery can get services at flexible hours.",
    "recovery_language": "Our staff use recovery-oriented language with clients.",
    "trauma_informed": "Trauma-informed care is built into how we deliver services.",
    "management_learning": "Management regularly offers staff learning on wellness and recovery.",
    "staff_wellness": "Staff wellness is strongly supported here.",
}


@dataclass(frozen=True)
class ReadinessVerdict:
    yes: int
    total: int
    threshold_percent: int

    @property
    def percent(self) -> int:
        return round(self.yes * 100 / self.total) if self.total else 0

    @property
    def ready(self) -> bool:
        return self.percent >= self.threshold_percent

    @property
    def needs_plan(self) -> bool:
        return not self.ready


def readiness_verdict(*, yes: int, total: int, threshold_percent: int) -> ReadinessVerdict:
    """Score = yes answers. Ready at `threshold_percent` (80%: 8 of 10) or more; below it
    the organization needs a plan to reach the threshold within a year."""
    if not 0 <= yes <= total:
        raise ValueError("yes answers must be between 0 and the number of statements")
    return ReadinessVerdict(yes=yes, total=total, threshold_percent=threshold_percent)


def plan_deadline(assessed_on: dt.date, *, days: int) -> dt.date:
    """The latest target date for a readiness plan's actions: within a year."""
    return assessed_on + dt.timedelta(days=days)


# --- Development phases -------------------------------------------------------------------
PHASES = ("planning", "implementation", "operational")
PHASE_LABELS = {
    "planning": "Planning (up to a year)",
    "implementation": "Implementation (3 to 6 months)",
    "operational": "Operational (ongoing)",
}
# The default checklist for each phase, in our words; each organization edits its own copy.
DEFAULT_PHASE_ITEMS: dict[str, tuple[str, ...]] = {
    "planning": (
        "Evaluate the organization's readiness for peer support",
        "Write the peer program's mission",
        "Plan what data to collect and how",
        "Identify funding for every position",
        "Get buy-in from current staff",
        "Secure management support",
    ),
    "implementation": (
        "Secure the funding",
        "Write policies and procedures for peer roles",
        "Recruit and hire peer supporters",
        "Complete initial training (Peer Support 101)",
        "Support staff through state certification",
        "Arrange clinical supervision agreements",
        "Set up documentation (DAP notes)",
        "Put data collection in place",
        "Plan how the program will be evaluated",
        "Begin services",
    ),
    "operational": (
        "Keep collecting data after every encounter",
        "Analyse the program every quarter",
        "Keep training and continuing education going",
    ),
}


def next_phase(phase: str) -> str | None:
    """Phases run in order; Operational is the last."""
    i = PHASES.index(phase)
    return PHASES[i + 1] if i + 1 < len(PHASES) else None


# --- Cost per peer supporter --------------------------------------------------------------
COST_LINES = (
    ("benefits", "Benefits"),
    ("supervision", "Clinical supervision"),
    ("vehicle", "Vehicle and mileage"),
    ("laptop", "Laptop"),
    ("phone", "Phone"),
    ("insurance", "Insurance"),
    ("initial_training", "Initial training"),
    ("ongoing_support", "Ongoing support"),
    ("certification_fees", "Certification fees"),
    ("outreach_materials", "Outreach materials"),
    ("continuing_education", "Continuing education"),
    ("administration", "Administration"),
)
WEEKS_PER_YEAR = 52
CENT = Decimal("0.01")


@dataclass(frozen=True)
class FundingLine:
    kind: str
    amount: Decimal  # per peer, per year
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class PositionBudget:
    wages: Decimal
    lines: dict[str, Decimal]
    funding: Decimal
    warnings: list[str]

    @property
    def total_cost(self) -> Decimal:
        return (self.wages + sum(self.lines.values(), Decimal(0))).quantize(CENT)

    @property
    def balance(self) -> Decimal:
        return (self.funding - self.total_cost).quantize(CENT)

    @property
    def deficit(self) -> Decimal:
        """What would close the gap: extra yearly funding (or savings) needed."""
        return max(Decimal(0), -self.balance)


def yearly_wages(
    *, hourly_wage: Decimal | None, hours_per_week: Decimal | None, salary: Decimal | None
) -> Decimal:
    """A salary when given; otherwise hourly wage x hours a week x 52 weeks."""
    if salary:
        return salary.quantize(CENT)
    if hourly_wage and hours_per_week:
        return (hourly_wage * hours_per_week * WEEKS_PER_YEAR).quantize(CENT, ROUND_HALF_UP)
    return Decimal(0)


def position_budget(
    *,
    hourly_wage: Decimal | None,
    hours_per_week: Decimal | None,
    salary: Decimal | None,
    lines: dict[str, Decimal],
    funding: list[FundingLine],
    today: dt.date,
    regional_wage: Decimal,
    grant_warning_days: int,
) -> PositionBudget:
    """Yearly cost of one peer position against its yearly funding. The balance must be
    positive before a program starts (never run at a deficit). Warnings: a deficit, a
    single funding source, a wage below the regional average, a grant ending soon."""
    wages = yearly_wages(hourly_wage=hourly_wage, hours_per_week=hours_per_week, salary=salary)
    # A source that has already ended pays for nothing any more.
    ended = [f for f in funding if f.ends_on is not None and f.ends_on < today]
    funding = [f for f in funding if f not in ended]
    funded = sum((f.amount for f in funding), Decimal(0))
    budget = PositionBudget(wages=wages, lines=lines, funding=funded, warnings=[])
    warnings = budget.warnings
    if budget.balance < 0:
        warnings.append(
            f"Deficit of ${budget.deficit:,.2f} a year: find that much more funding or cut "
            "costs before the position starts."
        )
    if len(funding) == 1:
        warnings.append("Only one funding source: a second source protects the position.")
    if not funding:
        warnings.append("No current funding for this position.")
    for f in ended:
        warnings.append(
            f"A {f.kind.replace('_', ' ')} source ended on {f.ends_on:%B %-d, %Y} "
            "and no longer counts."
        )
    # The wage check uses what the position really pays: a salary over its hours when
    # there is a salary, otherwise the hourly wage.
    effective_hourly = None if salary else hourly_wage
    if salary and hours_per_week:
        effective_hourly = salary / (hours_per_week * WEEKS_PER_YEAR)
    if effective_hourly is not None and effective_hourly < regional_wage:
        warnings.append(
            f"The wage (${effective_hourly:,.2f}/hour) is below the regional average of "
            f"${regional_wage:,.2f}: low pay is a known reason peers leave."
        )
    soon = today + dt.timedelta(days=grant_warning_days)
    for f in funding:
        if f.kind == "grant" and f.ends_on is not None and today <= f.ends_on <= soon:
            warnings.append(f"A grant ends on {f.ends_on:%B %-d, %Y}: plan what replaces it.")
    return budget


# --- Caseloads ----------------------------------------------------------------------------
def caseload_warnings(
    *,
    active_clients: int,
    hours_per_week: Decimal | None,
    caseload_limit: int,
    hours_limit: Decimal,
) -> list[str]:
    """Over the program's limits is overload: a known cause of relapse and turnover."""
    warnings = []
    if active_clients > caseload_limit:
        warnings.append(f"{active_clients} active clients: over the limit of {caseload_limit}.")
    if hours_per_week is not None and hours_per_week > hours_limit:
        hours, limit = hours_per_week.normalize(), hours_limit.normalize()
        warnings.append(f"{hours:f} hours a week: over the limit of {limit:f}.")
    return warnings
