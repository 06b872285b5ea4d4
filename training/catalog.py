"""The standard courses of a peer support training provider (Montana's pattern)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

STANDARD_COURSES: list[dict[str, Any]] = [
    {
        "code": "ps101",
        "title": "Peer Support 101",
        "description": "The 40-hour core-competency training that starts every peer's path "
        "to certification. Taken in person, in one go, and closed by an exam.",
        "required_hours": Decimal(40),
        "pass_mark": 80,
        "continuous": True,
        "completes_initial_training": True,
        "topics": [
            "samhsa_core",
            "boundaries_ethics",
            "confidentiality",
            "scope_of_practice",
            "communication",
            "self_care",
            "recovery_story",
        ],
    },
    {
        "code": "ps102",
        "title": "PS102: Deepening peer practice",
        "description": "Continuing education for certified peers: recovery planning and "
        "supporting others through change.",
        "required_hours": Decimal(8),
        "ceu_approved": True,
        "topics": ["recovery_planning", "stages_of_change"],
    },
    {
        "code": "complex-relationships",
        "title": "Navigating Complex Relationships",
        "description": "Boundaries, dual relationships and difficult conversations.",
        "required_hours": Decimal(6),
        "ceu_approved": True,
        "topics": ["boundaries_ethics"],
    },
    {
        "code": "employer",
        "title": "Hiring and supporting peers (for employers)",
        "description": "A 4-hour course for employers and providers bringing peers on board.",
        "required_hours": Decimal(4),
    },
    {
        "code": "recovery-program-essentials",
        "title": "Recovery Program Essentials",
        "description": "A 4-hour introduction to running a recovery-oriented peer program.",
        "required_hours": Decimal(4),
        "ceu_approved": True,
        "topics": ["pathways_of_recovery"],
    },
]


def seed_courses(organization: Any) -> int:
    """Add the standard courses the organization does not have yet; returns how many."""
    from training.models import Course

    added = 0
    for course in STANDARD_COURSES:
        _, created = Course.objects.get_or_create(
            organization=organization, code=course["code"], defaults=dict(course)
        )
        added += created
    return added
