"""Demo costs: example costs of the alternatives (labelled as examples) and two years of
program cost lines, so the demo's reports have figures to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from encounters.models import Alternative
from encounters.reporting.models import AlternativeCost, ProgramCost
from programs.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    seed_costs(ctx)


# Illustrative unit costs for the demo, not taken from any one source; every one is
# marked as an example so reports and pages say so until an admin sets a cited value.
DEMO_UNIT_COSTS = {
    Alternative.NONE: ("0", "no service used"),
    Alternative.FRIEND_OR_FAMILY: ("0", "no public service used"),
    Alternative.CRISIS_LINE: ("50", "one call answered by a regional crisis line"),
    Alternative.CALLED_911: ("1250", "a police response and ambulance transport after a 911 call"),
    Alternative.EMERGENCY_DEPARTMENT: ("2700", "one behavioral health emergency visit"),
    Alternative.INPATIENT: ("2400", "one day on an inpatient psychiatric unit"),
    Alternative.CRISIS_BED: ("750", "one night of crisis stabilization or detox"),
    Alternative.JAIL: ("150", "one night in a county jail"),
    Alternative.USED_SUBSTANCES: ("0", "no service counted"),
    Alternative.OTHER: ("0", "not counted: too varied to cost"),
}
# A year of each program's cost by category, as its peer positions suggest (3 coaches at
# $18.50/h; the ED Bridge's 2.5 full-time peers at $16.50/h; benefits, supervision, training
# and a laptop and phone each). The year before cost about 3% less.
DEMO_PROGRAM_COSTS = {
    "recovery-coaching": {
        "salary_benefits": ("138840", "3 full-time recovery coaches, wages and benefits"),
        "supervision": ("7800", "Clinical supervision for 3 coaches"),
        "training": ("4329", "Initial training, certification fees, continuing education"),
        "equipment": ("3000", "Laptops and phones"),
    },
    "ed-bridge": {
        "salary_benefits": ("105300", "2.5 full-time ED bridge peers, wages and benefits"),
        "supervision": ("7800", "Clinical supervision for 3 peers"),
        "training": ("4329", "Initial training, certification fees, continuing education"),
        "equipment": ("3000", "Laptops and phones"),
    },
}


def seed_costs(ctx: DemoContext) -> None:
    """Example costs of the alternatives (from two years back, so they cover every demo
    encounter) and each program's cost lines for last year and this year. An alternative
    that already has a value keeps it; a line for a year is added once."""
    org = ctx.organization
    year = ctx.organization.today().year
    since = dt.date(year - 2, 1, 1)
    have = set(
        AlternativeCost.objects.filter(organization=org).values_list("alternative", flat=True)
    )
    AlternativeCost.objects.bulk_create(
        AlternativeCost(
            organization=org,
            alternative=code,
            unit_cost=Decimal(amount),
            source=f"Illustrative figure for the demo ({what}), not a cited source: replace "
            "it with your organization's own figure and where it comes from.",
            effective_from=since,
            is_example=True,
        )
        for code, (amount, what) in DEMO_UNIT_COSTS.items()
        if code not in have
    )
    for slug, lines in DEMO_PROGRAM_COSTS.items():
        program = ctx.programs[slug]
        for y, share in ((year - 1, Decimal("0.97")), (year, Decimal(1))):
            for category, (amount, note) in lines.items():
                ProgramCost.objects.get_or_create(
                    program=program,
                    category=category,
                    starts_on=dt.date(y, 1, 1),
                    ends_on=dt.date(y, 12, 31),
                    defaults={
                        "amount": (Decimal(amount) * share).quantize(Decimal(1)),
                        "note": note,
                    },
                )
