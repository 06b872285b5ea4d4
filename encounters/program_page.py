"""What encounters add to a program's page (registered in programs.extensions): each peer's
caseload against the program's limits, for those who manage the program."""

from __future__ import annotations

from typing import Any

from encounters.selectors import caseloads
from programs.access import Capability, can
from programs.models import Membership, Program
from programs.rules import caseload_warnings


def caseload_section(program: Program, membership: Membership) -> dict[str, Any]:
    if not can(membership, Capability.MANAGE_PROGRAMS):
        return {}
    rows = []
    for peer in caseloads(program, today=program.organization.today()):
        profile = getattr(peer, "peer_profile", None)
        hours = profile.hours_per_week if profile else None
        rows.append(
            (
                peer,
                hours,
                caseload_warnings(
                    active_clients=peer.active_clients,  # type: ignore[attr-defined]
                    hours_per_week=hours,
                    caseload_limit=program.caseload_limit,
                    hours_limit=program.weekly_hours_limit,
                ),
            )
        )
    return {"caseloads": rows}
