from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from certification.models import Certification
from certification.services import profile_for
from encounters.models import Client
from programs.models import Role
from supervision.models import LicenseType, SupervisionAgreement
from supervision.services.supervisors import supervisor_profile_save


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


@pytest.fixture
def sup(org, member_of, program_in) -> Any:
    """An eligible supervisor with two peers under agreements, one client each; a second
    supervisor who is not eligible; a manager and an admin."""
    program = program_in(org, name="Recovery Coaching")
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program], first_name="Sam")
    rookie = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program], first_name="Rue")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat")
    peer2 = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Olu")
    supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-100",
        licensed_on=dt.date(2015, 6, 1),
    )
    supervisor_profile_save(
        membership=rookie,
        actor=None,
        license_type=LicenseType.PROFESSIONAL_COUNSELOR,
        license_number="LCPC-9",
        licensed_on=dt.date(2024, 6, 1),
    )
    for p in (peer, peer2):
        SupervisionAgreement.objects.create(
            supervisor=supervisor, supervisee=p, starts_on=dt.date(2024, 1, 1)
        )
        SupervisionAgreement.objects.create(
            supervisor=rookie, supervisee=p, starts_on=dt.date(2024, 1, 1)
        )
    Certification.objects.create(
        profile=profile_for(peer), number="CBHPSS-7", issued_on=dt.date(2024, 1, 1)
    )
    client = Client.objects.create(
        program=program, code="RC-1", assigned_peer=peer, enrolled_on=dt.date(2024, 1, 1)
    )
    return SimpleNamespace(
        org=org,
        program=program,
        supervisor=supervisor,
        rookie=rookie,
        peer=peer,
        peer2=peer2,
        client=client,
        manager=member_of(org, Role.PROGRAM_MANAGER, programs=[program]),
        admin=member_of(org, Role.ORG_ADMIN),
    )
