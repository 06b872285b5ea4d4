"""Logging an encounter and correcting it: the checks on what a peer enters, one landing
per submission however often it is sent, billing on save, and the client's phase."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certification.models import PeerProfile
from config.accounts.models import User
from encounters import events as encounter_events
from encounters.models import Client, Encounter, Format, Payer, SupportType, SurveyResponse
from encounters.services.billing import (
    BILLING_FIELDS,
    client_day_rebill,
    encounter_bill,
    terms_on,
)
from encounters.services.clients import CLIENT_OF_OTHER_PROGRAM
from programs.audit import audit_record
from programs.models import Membership, Organization, Program, Role

MAX_MINUTES = 720
IN_THE_FUTURE = "This date has not happened yet."
BEFORE_ENROLMENT = "This client was enrolled on {day}, after this date."
AFTER_DISCHARGE = "This client was discharged on {day}."
CLIENT_NEEDED = "Choose the client: a one-on-one encounter is with one person."
HEAD_COUNT_NEEDED = "Say how many people took part (at least 1)."
SUPPORT_TYPE_NEEDED = "Tick at least one type of support."
DURATION_RANGE = f"Enter the minutes spent, from 1 to {MAX_MINUTES}."
NOT_A_PEER = "Encounters are logged by peer supporters."
PEER_NOT_IN_PROGRAM = "This peer supporter does not work in that program."
PAYER_OF_OTHER_ORG = "Choose one of this organization's payers."
PAYER_NOT_OFFERED = "This payer is no longer offered; choose another."
KEY_USED_BY_OTHER = "This form was already used by someone else; reload the page to start again."
TOO_OLD_TO_CORRECT = (
    "Encounters can be corrected by their peer for {days} days; ask your manager to correct "
    "this one."
)


@dataclass
class EncounterInput:
    """What a peer enters for an encounter (form, import or API alike)."""

    program: Program
    date: dt.date
    start_time: dt.time
    duration_minutes: int
    setting: str
    format: str
    phase: str
    support_types: list[str]
    client: Client | None = None
    head_count: int = 1
    service_type: str = ""
    payer: Payer | None = None
    note_data: str = ""
    note_assessment: str = ""
    note_plan: str = ""
    referrals: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _validate(
    data: EncounterInput,
    *,
    peer: Membership,
    today: dt.date,
) -> None:
    errors: dict[str, str] = {}
    if data.date > today:
        errors["date"] = IN_THE_FUTURE
    if not 1 <= data.duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = DURATION_RANGE
    if data.format == Format.INDIVIDUAL and data.client is None:
        errors["client"] = CLIENT_NEEDED
    if data.format != Format.INDIVIDUAL and data.head_count < 1:
        errors["head_count"] = HEAD_COUNT_NEEDED
    if not data.support_types or set(data.support_types) - set(SupportType.values):
        errors["support_types"] = SUPPORT_TYPE_NEEDED
    if peer.role != Role.PEER_SUPPORTER:
        errors["peer"] = NOT_A_PEER
    elif not peer.programs.filter(pk=data.program.pk).exists():
        errors["program"] = PEER_NOT_IN_PROGRAM
    if data.payer is not None and data.payer.organization_id not in (
        None,
        peer.organization_id,
    ):
        errors["payer"] = PAYER_OF_OTHER_ORG
    client = data.client
    if client is not None:
        if client.program_id != data.program.pk:
            errors["client"] = CLIENT_OF_OTHER_PROGRAM
        elif data.date < client.enrolled_on:
            errors["date"] = BEFORE_ENROLMENT.format(day=client.enrolled_on)
        elif client.discharged_on is not None and data.date > client.discharged_on:
            errors["date"] = AFTER_DISCHARGE.format(day=client.discharged_on)
    if errors:
        raise ValidationError(errors)


def _follow_latest_phase(client: Client) -> None:
    """A client's phase is the phase of their latest encounter; it can move backwards."""
    latest = (
        Encounter.objects.filter(client=client)
        .order_by("-date", "-start_time", "-pk")
        .values_list("phase", flat=True)
        .first()
    )
    if latest and latest != client.phase:
        Client.objects.filter(pk=client.pk).update(phase=latest)
        client.phase = latest


_ENCOUNTER_FIELDS = (
    "program_id",
    "client_id",
    "head_count",
    "date",
    "start_time",
    "duration_minutes",
    "setting",
    "format",
    "phase",
    *SupportType.values,
    "service_type",
    "payer_id",
    "note_data",
    "note_assessment",
    "note_plan",
    "referrals",
)


def encounter_save(
    *,
    actor: User | None,
    peer: Membership,
    data: EncounterInput,
    encounter: Encounter | None = None,
    submission_key: uuid.UUID | None = None,
    external_id: str = "",
    source: str = "app",
    ip_address: str | None = None,
) -> tuple[Encounter, bool]:
    """Log a new encounter or correct one; returns it and whether it is new.

    The same `submission_key` (a form's one-time key) or `external_id` (an imported row)
    lands once however often it is sent; a repeat returns the first encounter unchanged.
    """
    org = peer.organization
    if encounter is None:
        existing = _existing(org, submission_key, external_id)
        if existing is not None:
            if submission_key and existing.created_by_id != (actor.pk if actor else None):
                raise ValidationError(KEY_USED_BY_OTHER)
            return existing, False
    elif _is_own_correction_too_late(actor=actor, peer=peer, encounter=encounter):
        raise ValidationError(TOO_OLD_TO_CORRECT.format(days=settings.ENCOUNTER_CORRECTION_DAYS))
    _validate(data, peer=peer, today=org.today())
    try:
        with transaction.atomic():
            saved = _write_encounter(
                actor=actor,
                peer=peer,
                data=data,
                encounter=encounter,
                submission_key=submission_key,
                external_id=external_id,
                source=source,
                ip_address=ip_address,
            )
    except IntegrityError:
        # Two copies of one submission raced; the other one landed first.
        existing = _existing(org, submission_key, external_id)
        if encounter is None and existing is not None:
            return existing, False
        raise
    return saved, encounter is None


def _is_own_correction_too_late(
    *, actor: User | None, peer: Membership, encounter: Encounter
) -> bool:
    """A peer correcting their own encounter after the window (the view asks the same rule;
    whoever else corrects was let in by the view's permission check)."""
    if actor is None or actor.pk != peer.user_id:
        return False
    return not may_correct(encounter, peer, today=peer.organization.today())


def _existing(
    org: Organization, submission_key: uuid.UUID | None, external_id: str
) -> Encounter | None:
    if submission_key:
        return Encounter.objects.filter(submission_key=submission_key).first()
    if external_id:
        return Encounter.objects.filter(organization=org, external_id=external_id).first()
    return None


def _write_encounter(
    *,
    actor: User | None,
    peer: Membership,
    data: EncounterInput,
    encounter: Encounter | None,
    submission_key: uuid.UUID | None,
    external_id: str,
    source: str,
    ip_address: str | None,
) -> Encounter:
    creating = encounter is None
    # Lock order, everywhere: the peer's certification history, the organization's own
    # payers, the encounter, the clients, then a client's day. Neither the peer's
    # certification nor a payer's rate or terms can change mid-save.
    PeerProfile.objects.select_for_update().filter(membership=peer).exists()
    # Only the organization's own payers change through the app (and are locked); a shared
    # payer as the caller loaded it is as it is now.
    own_payer_ids = (
        {data.payer.pk} if data.payer is not None and data.payer.organization_id else set()
    )
    if encounter is not None:
        own_payer_ids |= set(
            Encounter.objects.filter(
                pk=encounter.pk, payer__organization__isnull=False
            ).values_list("payer_id", flat=True)
        )
    locked_payers = (
        {
            p.pk: p
            for p in Payer.objects.select_for_update()
            .filter(pk__in=own_payer_ids, organization__isnull=False)
            .order_by("pk")
        }
        if own_payer_ids
        else {}
    )
    # The payer's terms as they are now, not as the caller's copy last saw them.
    payer = locked_payers.get(data.payer.pk, data.payer) if data.payer is not None else None
    if (
        payer is not None
        and source == "app"
        and payer.pk != (encounter.payer_id if encounter is not None else None)
        and not payer.is_active
    ):
        raise ValidationError({"payer": PAYER_NOT_OFFERED})
    if encounter is None:
        encounter = Encounter(
            organization=peer.organization,
            peer=peer,
            created_by=actor,
            submission_key=submission_key,
            external_id=external_id,
            source=source,
        )
    else:
        encounter = Encounter.objects.select_for_update().get(pk=encounter.pk)
    # Lock the clients involved (in a fixed order) so that two saves for one client cannot
    # both use the same daily cap or race on the client's phase.
    client_ids = {i for i in (encounter.client_id, data.client.pk if data.client else None) if i}
    clients = (
        {
            c.pk: c
            for c in Client.objects.select_for_update().filter(pk__in=client_ids).order_by("pk")
        }
        if client_ids
        else {}
    )
    before = {f: getattr(encounter, f) for f in _ENCOUNTER_FIELDS}
    old_client_id, old_date, old_payer = encounter.client_id, encounter.date, encounter.payer
    encounter.program = data.program
    encounter.client = clients.get(data.client.pk) if data.client is not None else None
    individual = data.format == Format.INDIVIDUAL
    encounter.head_count = 1 if individual else data.head_count
    encounter.date = data.date
    encounter.start_time = data.start_time.replace(second=0, microsecond=0)
    encounter.duration_minutes = data.duration_minutes
    encounter.setting = data.setting
    encounter.format = data.format
    encounter.phase = data.phase
    for support in SupportType.values:
        setattr(encounter, support, support in data.support_types)
    encounter.service_type = data.service_type
    encounter.payer = payer
    encounter.note_data = data.note_data.strip()
    encounter.note_assessment = data.note_assessment.strip()
    encounter.note_plan = data.note_plan.strip()
    encounter.referrals = data.referrals.strip()
    terms = encounter_bill(encounter, units_left_today=None)
    # The related objects were loaded (and checked) above: their foreign keys are not
    # looked up again; every other field is cleaned.
    encounter.full_clean(
        exclude=[
            "submission_key",
            "created_by",
            "rate",
            "organization",
            "program",
            "peer",
            "client",
            "payer",
        ],
        validate_constraints=False,
    )
    encounter.save()
    if encounter.date != old_date and not creating:
        # The survey's copy of the encounter's date (SurveyResponse.encounter_date).
        SurveyResponse.objects.filter(encounter=encounter).update(encounter_date=encounter.date)
    # A payer's daily cap shares a day's units among the client's encounters (the cap in
    # force on that day: terms have dates).
    rebilled = False
    if encounter.client_id and payer is not None and terms is not None and terms.daily_unit_cap:
        client_day_rebill(
            client_id=encounter.client_id, day=encounter.date, payer=payer, actor=actor
        )
        rebilled = True
    if (
        old_client_id
        and old_date
        and old_payer is not None
        and (old_client_id, old_date, old_payer.pk)
        != (encounter.client_id, encounter.date, encounter.payer_id)
        and terms_on(old_payer, old_date).daily_unit_cap
    ):
        client_day_rebill(client_id=old_client_id, day=old_date, payer=old_payer, actor=actor)
        rebilled = True
    if rebilled:
        # Sharing the day's units may have changed this encounter's billing too.
        encounter.refresh_from_db(fields=BILLING_FIELDS)
    for client in {clients[i] for i in (encounter.client_id, old_client_id) if i in clients}:
        _follow_latest_phase(client)
    changed = [f for f in _ENCOUNTER_FIELDS if getattr(encounter, f) != before[f]]
    audit_record(
        actor=actor,
        organization=peer.organization,
        event=encounter_events.ENCOUNTER_CREATED
        if creating
        else encounter_events.ENCOUNTER_UPDATED,
        subject=encounter,
        ip_address=ip_address,
        data={"fields": changed} if not creating else {"source": source},
    )
    return encounter


def may_correct(encounter: Encounter, membership: Membership, *, today: dt.date) -> bool:
    """Managers and admins may correct any encounter they see; a peer their own, for
    ENCOUNTER_CORRECTION_DAYS after it happened."""
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return True
    if encounter.peer_id != membership.pk:
        return False
    return (today - encounter.date).days <= settings.ENCOUNTER_CORRECTION_DAYS


def last_entry_defaults(peer: Membership) -> dict[str, Any]:
    """The defaults of a new encounter: the peer's last client, setting, format, payer and
    service type."""
    last = (
        Encounter.objects.filter(peer=peer, source="app")
        .order_by("-created_at", "-pk")
        .select_related("client", "payer")
        .first()
    )
    if last is None:
        return {}
    defaults: dict[str, Any] = {
        "program": last.program_id,
        "setting": last.setting,
        "format": last.format,
        "service_type": last.service_type,
        "support_types": last.support_types,
    }
    if last.payer is None or last.payer.is_active:  # a payer no longer offered is not offered
        defaults["payer"] = last.payer_id
    if last.client is not None and last.client.discharged_on is None:
        defaults["client"] = last.client_id
        defaults["phase"] = last.client.phase
    return defaults
