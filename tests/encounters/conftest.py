from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from certification.models import Certification
from certification.services import profile_for
from encounters.models import Client
from encounters.selectors import shared_payer
from encounters.services.encounters import EncounterInput
from programs.models import Role

DAY = dt.date(2025, 3, 4)


@pytest.fixture
def setup(org, member_of, program_in) -> Any:
    """A program with a certified peer and their client, a supervisor of that peer, a
    manager of the program, an admin, and a second peer with a client of their own."""
    from supervision.models import SupervisionAgreement

    program = program_in(org, name="Recovery Coaching")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat")
    other_peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Olu")
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program])
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    admin = member_of(org, Role.ORG_ADMIN)
    Certification.objects.create(
        profile=profile_for(peer), number="CBHPSS-1", issued_on=dt.date(2024, 1, 1)
    )
    SupervisionAgreement.objects.create(
        supervisor=supervisor, supervisee=peer, starts_on=dt.date(2024, 1, 1)
    )
    client = Client.objects.create(
        program=program,
        code="RC-001",
        name="Jamie Example",
        contact="406-555-0100",
        assigned_peer=peer,
        enrolled_on=dt.date(2025, 1, 1),
    )
    other_client = Client.objects.create(
        program=program, code="RC-002", assigned_peer=other_peer, enrolled_on=dt.date(2025, 1, 1)
    )

    class S:
        pass

    s = S()
    s.__dict__.update(
        program=program,
        peer=peer,
        other_peer=other_peer,
        supervisor=supervisor,
        manager=manager,
        admin=admin,
        client=client,
        other_client=other_client,
        medicaid=shared_payer("medicaid"),
    )
    return s


def encounter_input(s: Any, **changes: Any) -> EncounterInput:
    values: dict[str, Any] = dict(
        program=s.program,
        client=s.client,
        date=DAY,
        start_time=dt.time(10, 0),
        duration_minutes=23,
        setting="office",
        format="individual",
        phase="connecting",
        support_types=["emotional"],
        service_type="skills_coaching",
        payer=s.medicaid,
    )
    values.update(changes)
    return EncounterInput(**values)
