from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from programs.models import Role


@pytest.fixture
def team(org, other_org, member_of, program_in) -> Any:
    """Two programs of one organization, each with a peer and a manager; an admin; and an
    admin and a peer of another organization."""
    program = program_in(org, name="Recovery Coaching")
    other_program = program_in(org, name="Family Support")
    return SimpleNamespace(
        program=program,
        other_program=other_program,
        peer=member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat"),
        colleague=member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Olu"),
        manager=member_of(org, Role.PROGRAM_MANAGER, programs=[program]),
        other_manager=member_of(org, Role.PROGRAM_MANAGER, programs=[other_program]),
        other_peer=member_of(org, Role.PEER_SUPPORTER, programs=[other_program]),
        admin=member_of(org, Role.ORG_ADMIN),
        outside_admin=member_of(other_org, Role.ORG_ADMIN),
        outside_peer=member_of(other_org, Role.PEER_SUPPORTER),
    )
