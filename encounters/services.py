"""Writes for clients, encounters and the survey. Every write to a client or an encounter,
and every read of one, leaves an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from certification.models import Certification
from config.accounts.models import User
from encounters import events as encounter_events
from encounters import rules
from encounters.models import (
    Client,
    Encounter,
    Format,
    Payer,
    Rate,
    SupportType,
    SurveyChannel,
    SurveyLink,
    SurveyQuestionSet,
    SurveyResponse,
)
from encounters.selectors import rate_on
from encounters.survey import (
    DEFAULT_QUESTIONS,
    MAX_CUSTOM_QUESTIONS,
    SCALE,
    STANDARD_KEYS,
    YES_NO,
    questions_from,
)
from programs.audit import audit_record
from programs.models import Membership, Organization, Program, Role

IN_THE_FUTURE = "This date has not happened yet."
BEFORE_ENROLMENT = "This client was enrolled on {day}, after this date."
AFTER_DISCHARGE = "This client was discharged on {day}."
CLIENT_NEEDED = "Choose the client: a one-on-one encounter is with one person."
CLIENT_OF_OTHER_PROGRAM = "This client belongs to another program."
HEAD_COUNT_NEEDED = "Say how many people took part (at least 1)."
SUPPORT_TYPE_NEEDED = "Tick at least one type of support."
DURATION_RANGE = "Enter the minutes spent, from 1 to 720."
NOT_A_PEER = "Encounters are logged by peer supporters."
PEER_NOT_IN_PROGRAM = "This peer supporter does not work in that program."
PAYER_OF_OTHER_ORG = "Choose one of this organization's payers."
PAYER_NOT_OFFERED = "This payer is no longer offered; choose another."
KEY_USED_BY_OTHER = "This form was already used by someone else; reload the page to start again."
TOO_OLD_TO_CORRECT = (
    "Encounters can be corrected by their peer for {days} days; ask your manager to correct "
    "this one."
)
CODE_TAKEN = "Another client in this program already has this code."
PEER_NOT_IN_CLIENT_PROGRAM = "Assign a peer supporter who works in this program."
DISCHARGE_BEFORE_ENROLMENT = "The discharge date cannot be before the enrolment date."
SURVEY_ALREADY_ANSWERED = "The survey for this encounter has already been answered."
SURVEY_ANSWER_ONE = "Answer at least one question, or hand the phone back."
HANDOVER_MINUTES = 120
MAX_MINUTES = 720


# ----- Clients ----------------------------------------------------------------------------


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


_CLIENT_FIELDS = (
    "program_id",
    "code",
    "name",
    "contact",
    "assigned_peer_id",
    "enrolled_on",
    "discharged_on",
)


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


# ----- Encounters -------------------------------------------------------------------------


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
    kept_payer_id: int | None = None,
    source: str = "app",
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
    elif (
        data.payer is not None
        and source == "app"
        and data.payer.pk != kept_payer_id
        and not Payer.objects.filter(pk=data.payer.pk, is_active=True).exists()
    ):
        errors["payer"] = PAYER_NOT_OFFERED
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


def peer_certified_on(peer: Membership, day: dt.date) -> bool:
    """Whether the peer held an active certification on `day`."""
    certifications = Certification.objects.filter(profile__membership=peer)
    return any(c.is_active_on(day) for c in certifications)


_UNSET: Any = object()


def encounter_bill(
    encounter: Encounter,
    *,
    units_left_today: int | None,
    rate: Rate | None = _UNSET,
    certified: bool | None = None,
) -> None:
    """Set the encounter's billing from its payer's rules. Re-billing many at once passes
    the `rate` and whether the peer was `certified` that day, worked out in bulk."""
    payer = encounter.payer
    if rate is _UNSET:
        rate = rate_on(payer, encounter.date) if payer is not None else None
    if certified is None:
        certified = peer_certified_on(encounter.peer, encounter.date)
    decision = rules.billing_decision(
        minutes=encounter.duration_minutes,
        date=encounter.date,
        service_type=encounter.service_type,
        payer_name=payer.name if payer is not None else None,
        unit_rate=rate.unit_amount if rate is not None else None,
        unit_minutes=rate.unit_minutes if rate is not None else 15,
        requires_certification=payer.requires_certification if payer is not None else True,
        peer_certified=certified,
        units_left_today=units_left_today,
    )
    encounter.billable = decision.billable
    encounter.units = decision.units
    encounter.amount = decision.amount
    encounter.not_billable_reason = decision.reason
    encounter.rate = rate if decision.billable else None


BILLING_FIELDS = ["billable", "units", "amount", "not_billable_reason", "rate"]


def _bill_client_day(client_id: int, day: dt.date, payer: Payer, actor: User | None) -> None:
    """Re-bill a client's encounters with a capped payer on one day, in the order they
    happened, so the cap is used up by the earliest."""
    cap = payer.daily_unit_cap
    assert cap is not None
    used = 0
    day_encounters = (
        Encounter.objects.select_for_update()
        .filter(client_id=client_id, date=day, payer=payer)
        .select_related("payer", "peer")
        .order_by("start_time", "pk")
    )
    for enc in day_encounters:
        was = (enc.billable, enc.units, enc.amount)
        encounter_bill(enc, units_left_today=cap - used)
        used += enc.units
        enc.save(update_fields=BILLING_FIELDS)
        if (enc.billable, enc.units, enc.amount) != was:
            audit_record(
                actor=actor,
                organization=enc.organization,
                event=encounter_events.ENCOUNTER_REBILLED,
                subject=enc,
                data={"units": [was[1], enc.units], "reason": "daily cap shared"},
            )


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
    _validate(
        data,
        peer=peer,
        today=org.today(),
        kept_payer_id=encounter.payer_id if encounter is not None else None,
        source=source,
    )
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
    # Lock order, everywhere: the organization's own payers, then the encounter, then the
    # clients, then a client's day. A payer's rate or terms cannot change mid-save.
    payer_ids = {data.payer.pk if data.payer is not None else None}
    if encounter is not None:
        payer_ids.add(
            Encounter.objects.filter(pk=encounter.pk).values_list("payer_id", flat=True)[0]
        )
    list(
        Payer.objects.select_for_update()
        .filter(pk__in=[i for i in payer_ids if i], organization__isnull=False)
        .order_by("pk")
    )
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
    list(Client.objects.select_for_update().filter(pk__in=client_ids).order_by("pk"))
    before = {f: getattr(encounter, f) for f in _ENCOUNTER_FIELDS}
    old_client_id, old_date, old_payer = encounter.client_id, encounter.date, encounter.payer
    encounter.program = data.program
    encounter.client = data.client
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
    # The payer's terms as they are now, not as the caller's copy last saw them.
    encounter.payer = Payer.objects.get(pk=data.payer.pk) if data.payer is not None else None
    encounter.note_data = data.note_data.strip()
    encounter.note_assessment = data.note_assessment.strip()
    encounter.note_plan = data.note_plan.strip()
    encounter.referrals = data.referrals.strip()
    encounter_bill(encounter, units_left_today=None)
    encounter.full_clean(
        exclude=["submission_key", "created_by", "rate"], validate_constraints=False
    )
    encounter.save()
    # A payer's daily cap shares a day's units among the client's encounters.
    for client_id, day, payer in {
        (encounter.client_id, encounter.date, encounter.payer),
        (old_client_id, old_date, old_payer),
    }:
        if client_id and day and payer is not None and payer.daily_unit_cap is not None:
            _bill_client_day(client_id, day, payer, actor)
    encounter.refresh_from_db()
    old_client = Client.objects.filter(pk=old_client_id).first() if old_client_id else None
    for client in {c for c in (encounter.client, old_client) if c is not None}:
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


# ----- The survey -------------------------------------------------------------------------


def survey_current(organization: Organization) -> SurveyQuestionSet:
    """The organization's current question set; version 1 (our defaults) on first use."""
    current = SurveyQuestionSet.objects.filter(organization=organization).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return SurveyQuestionSet.objects.create(
                organization=organization, version=1, questions=DEFAULT_QUESTIONS
            )
    except IntegrityError:
        return SurveyQuestionSet.objects.filter(organization=organization).first()  # type: ignore[return-value]


QUESTION_TEXT_NEEDED = "Every question needs its wording."
TOO_MANY_QUESTIONS = f"Add at most {MAX_CUSTOM_QUESTIONS} questions of your own."


@transaction.atomic
def survey_publish(
    *,
    organization: Organization,
    actor: User,
    questions: list[dict[str, Any]],
    ip_address: str | None = None,
) -> SurveyQuestionSet:
    """Save an edited question set as the next version. The standard questions stay (the
    reports count them) but may be reworded; up to MAX_CUSTOM_QUESTIONS may be added."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    cleaned: list[dict[str, Any]] = []
    custom = 0
    for q in questions:
        text = " ".join(str(q.get("text", "")).split())
        if not text:
            raise ValidationError(QUESTION_TEXT_NEEDED)
        if q["key"] in STANDARD_KEYS:
            cleaned.append({"key": q["key"], "text": text})
        else:
            custom += 1
            kind = q.get("kind") if q.get("kind") in (SCALE, YES_NO) else SCALE
            cleaned.append({"key": q["key"], "text": text, "kind": kind})
    if custom > MAX_CUSTOM_QUESTIONS:
        raise ValidationError(TOO_MANY_QUESTIONS)
    missing = [k for k in STANDARD_KEYS if k not in {c["key"] for c in cleaned}]
    for key in missing:
        cleaned.append(next(d for d in DEFAULT_QUESTIONS if d["key"] == key))
    last = survey_current(organization)
    if last.questions == cleaned:
        return last
    version = (
        SurveyQuestionSet.objects.filter(organization=organization).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    published = SurveyQuestionSet.objects.create(
        organization=organization, version=version, questions=cleaned, created_by=actor
    )
    audit_record(
        actor=actor,
        organization=organization,
        event=encounter_events.SURVEY_PUBLISHED,
        subject=published,
        ip_address=ip_address,
        data={"version": version},
    )
    return published


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def survey_link_create(
    *, encounter: Encounter, actor: User, channel: str, ip_address: str | None = None
) -> tuple[SurveyLink, str]:
    """A fresh one-time token for the encounter's survey; any earlier token stops working.
    Returns the link and the token (shown once, never stored)."""
    if SurveyResponse.objects.filter(encounter=encounter).exists():
        raise ValidationError(SURVEY_ALREADY_ANSWERED)
    token = secrets.token_urlsafe(24)
    lifetime = (
        dt.timedelta(minutes=HANDOVER_MINUTES)
        if channel == SurveyChannel.HANDOVER
        else dt.timedelta(hours=settings.SURVEY_LINK_HOURS)
    )
    link, _ = SurveyLink.objects.update_or_create(
        encounter=encounter,
        defaults={
            "organization_id": encounter.organization_id,
            "token_hash": _hash(token),
            "channel": channel,
            "expires_at": timezone.now() + lifetime,
            "used_at": None,
            "created_by": actor,
        },
    )
    audit_record(
        actor=actor,
        organization=encounter.organization,
        event=encounter_events.SURVEY_OFFERED,
        subject=encounter,
        ip_address=ip_address,
        data={"channel": channel},
    )
    return link, token


def survey_link_for(token: str) -> SurveyLink | None:
    """The link for a token if it can still be answered; None if unknown, used or expired."""
    link = SurveyLink.objects.filter(token_hash=_hash(token)).select_related("organization").first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    return link


@transaction.atomic
def survey_submit(*, token: str, answers: dict[str, Any]) -> SurveyResponse | None:
    """Record the person's answers once. A second submission with the same token (a double
    tap, a resend) records nothing and returns None; the person sees the same thank-you."""
    link = (
        SurveyLink.objects.select_for_update()
        .filter(token_hash=_hash(token))
        .select_related("encounter")
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    if not any(v not in (None, "") for v in answers.values()):
        raise ValidationError(SURVEY_ANSWER_ONE)
    if SurveyResponse.objects.filter(encounter_id=link.encounter_id).exists():
        return None
    question_set = survey_current(link.organization)
    keys = {q.key for q in questions_from(question_set.questions)}
    standard = {k: answers.get(k) for k in STANDARD_KEYS}
    response = SurveyResponse(
        encounter_id=link.encounter_id,
        organization_id=link.organization_id,
        question_set=question_set,
        channel=link.channel,
        satisfaction=standard["satisfaction"] or None,
        wellbeing=standard["wellbeing"] or None,
        alternative=standard["alternative"] or "",
        other_services=standard["other_services"] or "",
        relapse=standard["relapse"] or "",
        extra={k: v for k, v in answers.items() if k not in STANDARD_KEYS and k in keys and v},
        submitted_on=link.organization.today(),
    )
    response.full_clean(exclude=["encounter", "organization", "question_set"])
    response.save()
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    # No audit row names the response: the log says only that a survey came back.
    audit_record(
        actor=None,
        organization=link.organization,
        event=encounter_events.SURVEY_ANSWERED,
        subject=link.encounter,
        data={"channel": link.channel},
    )
    return response


def survey_import(
    *,
    encounter: Encounter,
    satisfaction: int | None,
    wellbeing: int | None,
    alternative: str,
) -> bool:
    """Attach imported survey answers to an imported encounter, once."""
    if SurveyResponse.objects.filter(encounter=encounter).exists():
        return False
    SurveyResponse.objects.create(
        encounter=encounter,
        organization_id=encounter.organization_id,
        question_set=survey_current(encounter.organization),
        channel=SurveyChannel.IMPORT,
        satisfaction=satisfaction,
        wellbeing=wellbeing,
        alternative=alternative,
        submitted_on=encounter.date,
    )
    return True
