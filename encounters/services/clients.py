"""Writes for client records, and the audit of every read of a client record or of
encounters (42 CFR Part 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from config.accounts.models import User
from encounters import events as encounter_events
from encounters.models import Client, Encounter
from programs.audit import audit_record
from programs.models import Membership, Organization, Program, Role

CLIENT_OF_OTHER_PROGRAM = "This client belongs to another program."
CODE_TAKEN = "Another client in this program already has this code."
PEER_NOT_IN_CLIENT_PROGRAM = "Assign a peer supporter who works in this program."
DISCHARGE_BEFORE_ENROLMENT = "The discharge date cannot be before the enrolment date."

_CLIENT_FIELDS = (
    "program_id",
    "code",
    "name",
    "contact",
    "assigned_peer_id",
    "enrolled_on",
    "discharged_on",
)


@transaction.atomic
def client_save(
    *,
    actor: User | None,
    organization: Organization,
    program: Program,
    code: str,
    enrolled_on: dt.date,
    name: str = "",
    contact: str = "",
    assigned_peer: Membership | None = None,
    discharged_on: dt.date | None = None,
    client: Client | None = None,
    ip_address: str | None = None,
) -> Client:
    """Create or change a client record. The audit row names the fields that changed, never
    their values."""
    creating = client is None
    if client is None:
        client = Client(program=program)
    if program.organization_id != organization.pk:
        raise ValidationError({"program": CLIENT_OF_OTHER_PROGRAM})
    errors: dict[str, str] = {}
    code = code.strip()
    clash = Client.objects.filter(program=program, code__iexact=code).exclude(pk=client.pk)
    if clash.exists():
        errors["code"] = CODE_TAKEN
    if assigned_peer is not None and not (
        assigned_peer.organization_id == organization.pk
        and assigned_peer.role == Role.PEER_SUPPORTER
        and assigned_peer.programs.filter(pk=program.pk).exists()
    ):
        errors["assigned_peer"] = PEER_NOT_IN_CLIENT_PROGRAM
    if discharged_on is not None and discharged_on < enrolled_on:
        errors["discharged_on"] = DISCHARGE_BEFORE_ENROLMENT
    if errors:
        raise ValidationError(errors)
    before = {f: getattr(client, f) for f in _CLIENT_FIELDS}
    client.program = program
    client.code = code
    client.name = name.strip()
    client.contact = contact.strip()
    client.assigned_peer = assigned_peer
    client.enrolled_on = enrolled_on
    client.discharged_on = discharged_on
    client.full_clean(validate_constraints=False)
    client.save()
    changed = [f for f in _CLIENT_FIELDS if getattr(client, f) != before[f]]
    audit_record(
        actor=actor,
        organization=organization,
        event=encounter_events.CLIENT_CREATED if creating else encounter_events.CLIENT_UPDATED,
        subject=client,
        ip_address=ip_address,
        data={"fields": changed},
    )
    return client


def record_read(
    *,
    actor: User,
    organization: Organization,
    subject: Client | Encounter | None,
    event: str,
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Log that someone looked at a client record or encounters (42 CFR Part 2)."""
    audit_record(
        actor=actor,
        organization=organization,
        event=event,
        subject=subject,
        ip_address=ip_address,
        data=data,
    )
