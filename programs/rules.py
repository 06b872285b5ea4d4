"""Rules for organizations and programs, as pure functions with numbers from settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
