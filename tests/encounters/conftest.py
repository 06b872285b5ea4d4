from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from certification.models import Certification
from certification.services import profile_for
from encounters.models import Client, Encounter, Payer
from encounters.selectors import shared_payer
from encounters.services.encounters import EncounterInput, encounter_save
from encounters.services.payers import PayerTerms, RateTerms, payer_create
from programs.models import AuditEvent, Role

DAY = dt.date(2025, 3, 4)
JAN_1 = dt.date(2025, 1, 1)


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


def save_encounter(s: Any, peer: Any = None, **changes: Any) -> tuple[Encounter, bool]:
    """Log an encounter through the service, by `peer` (the setup's first peer by default)."""
    peer = peer or s.peer
    return encounter_save(actor=peer.user, peer=peer, data=encounter_input(s, **changes))


def county_payer(s: Any, *, amount: str = "12.00", since: dt.date = JAN_1, **terms: Any) -> Payer:
    """The organization's own "county" payer, added by its admin, with one rate."""
    return payer_create(
        organization=s.program.organization,
        actor=s.admin.user,
        code="county",
        terms=PayerTerms(name="County contract", **terms),
        first_rate=RateTerms(since, Decimal(amount)),
    )


def log_encounter(s: Any, payer: Payer, *, peer: Any = None, **changes: Any) -> Encounter:
    """An encounter billed to `payer`; another peer's is with that peer's own client."""
    peer = peer or s.peer
    if peer != s.peer and "client" not in changes:
        changes["client"] = s.other_client
    encounter, _ = save_encounter(s, peer, payer=payer, **changes)
    return encounter


def audit_rows(*codes: str) -> list[tuple[str, int | None, str, str, dict[str, Any]]]:
    """The audit rows of these events, oldest first: (event, actor, subject type, subject
    id, data)."""
    rows = AuditEvent.objects.filter(event__in=codes).order_by("pk")
    return [(e.event, e.actor_id, e.subject_type, e.subject_id, e.data) for e in rows]
