"""Writes for clinical supervision: supervisors' licenses, agreements, hours worked, and
the supervision log with its sign-off, addenda and acknowledgments. Every write is audited;
a signed log is never changed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from certification.models import Certification, PeerProfile, Requirement
from certification.rules import is_hours_in_a_day
from config.accounts.models import User
from encounters.models import Client
from programs.audit import audit_record
from programs.models import Membership, Organization, Role
from programs.services import notification_send
from supervision import events as supervision_events
from supervision import rules
from supervision.models import (
    LOGS_ARE_KEPT,
    Acknowledgment,
    Addendum,
    HoursWorked,
    LogAttendee,
    LogClient,
    LogSource,
    RecordExport,
    SupervisionAgreement,
    SupervisionLog,
    SupervisorProfile,
    Topic,
    active_on,
)

NOT_A_SUPERVISOR = "Choose a clinical supervisor of this organization."
NOT_A_PEER = "Choose a peer supporter of this organization."
SUPERVISOR_NOT_ELIGIBLE = (
    "{name} may not supervise peers yet: a license and either {years} years since "
    "licensure or {ceus} hours of clinical-supervision CEUs are needed."
)
ENDS_BEFORE_START = "The end date is before the start."
SIGNED_IN_FUTURE = "This date has not happened yet."
IN_THE_FUTURE = "This date has not happened yet."
END_NOT_AFTER_START = "The session must end after it starts."
NO_SUPERVISEES = "Choose at least one supervisee."
NO_AGREEMENT = "{name} has no supervision agreement with you in force on this date."
CLIENT_NOT_OF_SUPERVISEES = "Client {code} is not a client of the supervisees at this session."
UNKNOWN_TOPIC = "Choose topics from the list."
ONLY_SUPERVISOR_SIGNS = "Only the supervisor of record can sign this log."
ALREADY_SIGNED = "This log is already signed."
NOT_YET_SIGNED = "Sign the log first; addenda are for signed logs."
SIGNOFF_NEEDED = "Tick both sign-off statements to sign."
WRONG_CREDENTIAL = "That password or code is not right. Nothing was signed."
ADDENDUM_EMPTY = "Write what the addendum adds or corrects."
NOT_SIGNED_TO_ACKNOWLEDGE = "This log is not signed yet; it can be acknowledged once it is."
NOT_AN_ATTENDEE = "Only a supervisee at this session can acknowledge it."
HOURS_RANGE = "Enter hours from 0 to 24, in quarter hours."
LICENSE_NEEDED = "Choose the license type."


# --- re-authentication ------------------------------------------------------------------


def credential_ok(user: User, credential: str) -> bool:
    """The person's password, or a current code from their authenticator app."""
    credential = (credential or "").strip()
    if not credential:
        return False
    if user.check_password(credential):
        return True
    if credential.isdigit() and len(credential) == 6:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        return totp is not None and TOTP(totp).validate_code(credential)
    return False


def _reauthenticate(actor: User, credential: str, *, organization: Organization, what: str) -> None:
    """Refuse (and audit, outside any transaction that the refusal rolls back) a wrong
    password or code; after SIGN_TRIES wrong ones in SIGN_TRIES_MINUTES, refuse all."""
    from programs.models import AuditEvent

    recent = AuditEvent.objects.filter(
        actor=actor,
        event=supervision_events.SUPERVISION_SIGN_FAILED,
        at__gte=timezone.now() - dt.timedelta(minutes=SIGN_TRIES_MINUTES),
    ).count()
    if recent >= SIGN_TRIES:
        raise ValidationError({"credential": TOO_MANY_TRIES.format(minutes=SIGN_TRIES_MINUTES)})
    if not credential_ok(actor, credential):
        audit_record(
            actor=actor,
            organization=organization,
            event=supervision_events.SUPERVISION_SIGN_FAILED,
            data={"what": what},
        )
        raise ValidationError({"credential": WRONG_CREDENTIAL})


# --- supervisors and agreements -------------------------------------------------------------


def supervisor_profile_for(membership: Membership) -> SupervisorProfile:
    profile, _ = SupervisorProfile.objects.get_or_create(membership=membership)
    return profile


def supervisor_eligible_on(membership: Membership, day: dt.date) -> bool:
    profile = SupervisorProfile.objects.filter(membership=membership).first()
    if profile is None:
        return False
    return rules.supervisor_eligible_on(
        day,
        license_type=profile.license_type,
        licensed_on=profile.licensed_on,
        ceu_hours=profile.supervision_ceu_hours,
    )


def _not_eligible(membership: Membership) -> str:
    return SUPERVISOR_NOT_ELIGIBLE.format(
        name=membership.user,
        years=settings.SUPERVISOR_YEARS_LICENSED,
        ceus=settings.SUPERVISOR_CEU_HOURS,
    )


@transaction.atomic
def supervisor_profile_save(
    *,
    membership: Membership,
    actor: User | None,
    license_type: str,
    license_number: str,
    licensed_on: dt.date | None,
    supervision_ceu_hours: Decimal = Decimal(0),
    ip_address: str | None = None,
) -> SupervisorProfile:
    if membership.role != Role.CLINICAL_SUPERVISOR:
        raise ValidationError(NOT_A_SUPERVISOR)
    profile = supervisor_profile_for(membership)
    fields = ("license_type", "license_number", "licensed_on", "supervision_ceu_hours")
    before = {f: str(getattr(profile, f) or "") for f in fields}
    profile.license_type = license_type
    profile.license_number = license_number.strip()
    profile.licensed_on = licensed_on
    profile.supervision_ceu_hours = supervision_ceu_hours
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor,
        organization=membership.organization,
        event=supervision_events.SUPERVISOR_UPDATED,
        subject=profile,
        ip_address=ip_address,
        data={
            "before": before,
            "after": {f: str(getattr(profile, f) or "") for f in fields},
        },
    )
    return profile


@dataclass
class AgreementInput:
    supervisor: Membership
    supervisee: Membership
    starts_on: dt.date
    ends_on: dt.date | None = None
    supervisor_signed_on: dt.date | None = None
    supervisee_signed_on: dt.date | None = None


@transaction.atomic
def agreement_save(
    *,
    organization: Organization,
    actor: User | None,
    data: AgreementInput,
    agreement: SupervisionAgreement | None = None,
    document: File | None = None,
    ip_address: str | None = None,
) -> SupervisionAgreement:
    """Record a written supervision agreement (new, or its dates and signatures). A new one
    needs a supervisor eligible to supervise peers. Once signed by both and in force, it
    satisfies the peer's checklist item "written agreement"."""
    today = organization.today()
    errors: dict[str, str] = {}
    sup, peer = data.supervisor, data.supervisee
    if sup.organization_id != organization.pk or sup.role != Role.CLINICAL_SUPERVISOR:
        errors["supervisor"] = NOT_A_SUPERVISOR
    elif (
        agreement is None
        or agreement.supervisor_id != sup.pk
        or agreement.starts_on != data.starts_on
    ) and not supervisor_eligible_on(sup, data.starts_on):
        # Named on a new agreement, or newly named or moved: eligible from its first day.
        errors["supervisor"] = _not_eligible(sup)
    if peer.organization_id != organization.pk or peer.role != Role.PEER_SUPPORTER:
        errors["supervisee"] = NOT_A_PEER
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = ENDS_BEFORE_START
    for f in ("supervisor_signed_on", "supervisee_signed_on"):
        signed = getattr(data, f)
        if signed is not None and signed > today:
            errors[f] = SIGNED_IN_FUTURE
    if errors:
        raise ValidationError(errors)
    creating = agreement is None
    tracked = (
        "supervisor_id",
        "supervisee_id",
        "starts_on",
        "ends_on",
        "supervisor_signed_on",
        "supervisee_signed_on",
    )
    if agreement is None:
        agreement = SupervisionAgreement(created_by=actor)
        before: dict[str, str] = {}
    else:
        agreement = SupervisionAgreement.objects.select_for_update().get(pk=agreement.pk)
        before = {f: str(getattr(agreement, f) or "") for f in tracked}
    for f in ("supervisor", "supervisee", "starts_on", "ends_on"):
        setattr(agreement, f, getattr(data, f))
    agreement.supervisor_signed_on = data.supervisor_signed_on
    agreement.supervisee_signed_on = data.supervisee_signed_on
    if document is not None:
        agreement.document = document
    agreement.save()
    audit_record(
        actor=actor,
        organization=organization,
        event=supervision_events.AGREEMENT_CREATED
        if creating
        else supervision_events.AGREEMENT_UPDATED,
        subject=agreement,
        ip_address=ip_address,
        data={
            "signed": agreement.is_signed,
            "not_therapist_confirmed": True,
            "document_replaced": document is not None,
            "changed": {
                f: [before.get(f, ""), str(getattr(agreement, f) or "")]
                for f in tracked
                if before.get(f, "") != str(getattr(agreement, f) or "")
            },
        },
    )
    _mark_written_agreement(agreement, actor=actor, today=today)
    return agreement


def _mark_written_agreement(
    agreement: SupervisionAgreement, *, actor: User | None, today: dt.date
) -> None:
    """A signed agreement in force ticks the peer's checklist item, with the agreement as
    its evidence (once)."""
    if (
        not agreement.is_signed
        or not SupervisionAgreement.objects.filter(pk=agreement.pk)
        .filter(active_on(today))
        .exists()
    ):
        return
    profile = PeerProfile.objects.filter(membership=agreement.supervisee).first()
    if profile is None:
        return
    from certification.rules import requirements_for_trail
    from certification.services import checklist_mark

    requirement = Requirement.SUPERVISION_AGREEMENT
    if requirement not in requirements_for_trail(profile.trail):
        return
    done = profile.checklist.filter(requirement=requirement, completed_on__isnull=False)
    if done.exists():
        return
    signed = max(d for d in (agreement.supervisor_signed_on, agreement.supervisee_signed_on) if d)
    checklist_mark(
        profile=profile,
        requirement=requirement,
        actor=actor,  # type: ignore[arg-type]
        completed_on=signed,
        note=f"Agreement with {agreement.supervisor.user} from {agreement.starts_on}",
    )


# --- hours worked ----------------------------------------------------------------------------


def hours_problems(day: dt.date, hours: Decimal | None, *, today: dt.date) -> dict[str, str]:
    """What is wrong with one day's hours, by field: a day still to come, or hours outside
    0-24 in quarter hours. The week form and the import ask it row by row."""
    if day > today:
        return {"date": IN_THE_FUTURE}
    if hours is not None and not is_hours_in_a_day(hours):
        return {"hours": HOURS_RANGE}
    return {}


@transaction.atomic
def hours_set(
    *,
    peer: Membership,
    actor: User | None,
    days: dict[dt.date, Decimal | None],
    ip_address: str | None = None,
    source: str = "app",
) -> int:
    """Set the hours a peer worked on each given day (None clears a day). Setting the same
    hours again changes nothing. Returns how many days changed."""
    if peer.role != Role.PEER_SUPPORTER:
        raise ValidationError(NOT_A_PEER)
    today = peer.organization.today()
    errors: dict[str, str] = {}
    for day, hours in days.items():
        errors.update(hours_problems(day, hours, today=today))
    if errors:
        raise ValidationError(errors)
    existing = {
        h.date: h for h in HoursWorked.objects.select_for_update().filter(peer=peer, date__in=days)
    }
    changed: dict[str, Any] = {}
    for day, hours in sorted(days.items()):
        row = existing.get(day)
        if hours is None:
            if row is not None:
                HoursWorked.objects.filter(pk=row.pk).delete()
                changed[day.isoformat()] = None
            continue
        if row is None:
            # Two saves of one new day at once: the second finds the first's row.
            row, created = HoursWorked.objects.get_or_create(
                peer=peer, date=day, defaults={"hours": hours, "entered_by": actor}
            )
            if not created and row.hours != hours:
                row.hours, row.entered_by = hours, actor
                row.save(update_fields=["hours", "entered_by", "updated_at"])
        elif row.hours != hours:
            row.hours, row.entered_by = hours, actor
            row.save(update_fields=["hours", "entered_by", "updated_at"])
        else:
            continue
        changed[day.isoformat()] = str(hours)
    if changed:
        audit_record(
            actor=actor,
            organization=peer.organization,
            event=supervision_events.HOURS_UPDATED,
            subject=peer,
            ip_address=ip_address,
            data={"days": changed, "source": source},
        )
    return len(changed)


# --- the supervision log ----------------------------------------------------------------------


@dataclass
class LogInput:
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    supervisees: list[Membership]
    topics: list[str] = field(default_factory=list)
    clients: list[tuple[Client, str]] = field(default_factory=list)  # (client, phase)
    notes: str = ""
    signoff_assessments: bool = False
    signoff_interventions: bool = False


def certification_number_on(peer: Membership, day: dt.date) -> str:
    """The peer's certification number on `day`: the one active then, else the latest
    issued by then (blank for a peer not yet certified)."""
    certs = list(
        Certification.objects.filter(profile__membership=peer, issued_on__lte=day).order_by(
            "-issued_on"
        )
    )
    active = [c for c in certs if c.is_active_on(day)]
    chosen = active or certs
    return chosen[0].number if chosen else ""


def _check_log(supervisor: Membership, data: LogInput, *, today: dt.date, paper: bool) -> None:
    errors: dict[str, str] = {}
    if data.date > today:
        errors["date"] = IN_THE_FUTURE
    if data.end_time <= data.start_time:
        errors["end_time"] = END_NOT_AFTER_START
    if not data.supervisees:
        errors["supervisees"] = NO_SUPERVISEES
    if set(data.topics) - set(Topic.values):
        errors["topics"] = UNKNOWN_TOPIC
    supervised = set(
        SupervisionAgreement.objects.filter(supervisor=supervisor)
        .filter(active_on(data.date))
        .values_list("supervisee_id", flat=True)
    )
    for peer in data.supervisees:
        if peer.organization_id != supervisor.organization_id or peer.role != Role.PEER_SUPPORTER:
            errors["supervisees"] = NOT_A_PEER
        elif peer.pk not in supervised and not paper:
            errors["supervisees"] = NO_AGREEMENT.format(name=peer.user)
    peer_ids = {p.pk for p in data.supervisees}
    for client, _ in data.clients:
        if client.assigned_peer_id not in peer_ids:
            errors["clients"] = CLIENT_NOT_OF_SUPERVISEES.format(code=client.code)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def log_save(
    *,
    supervisor: Membership,
    actor: User | None,
    data: LogInput,
    log: SupervisionLog | None = None,
    submission_key: uuid.UUID | None = None,
    ip_address: str | None = None,
) -> tuple[SupervisionLog, bool]:
    """Write a supervision log, or change one not yet signed. Names, the supervisor's
    license and each supervisee's certification number are recorded as they were on the
    session's date. The same form sent twice lands once."""
    if supervisor.role != Role.CLINICAL_SUPERVISOR:
        raise ValidationError(NOT_A_SUPERVISOR)
    if log is None and submission_key is not None:
        existing = SupervisionLog.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    org = supervisor.organization
    _check_log(supervisor, data, today=org.today(), paper=False)
    creating = log is None
    if log is None:
        log = SupervisionLog(
            organization=org, supervisor=supervisor, created_by=actor, submission_key=submission_key
        )
    else:
        log = SupervisionLog.objects.select_for_update().get(pk=log.pk)
        if log.is_signed:
            raise ValidationError(ALREADY_SIGNED)
    _fill(log, supervisor, data)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        existing = SupervisionLog.objects.filter(submission_key=submission_key).first()
        if creating and existing is not None:
            return existing, False
        raise
    _write_parts(log, data)
    audit_record(
        actor=actor,
        organization=org,
        event=supervision_events.SUPERVISION_CREATED
        if creating
        else supervision_events.SUPERVISION_UPDATED,
        subject=log,
        ip_address=ip_address,
    )
    return log, creating


def _fill(log: SupervisionLog, supervisor: Membership, data: LogInput) -> None:
    profile = SupervisorProfile.objects.filter(membership=supervisor).first()
    log.date = data.date
    log.start_time = data.start_time.replace(second=0, microsecond=0)
    log.end_time = data.end_time.replace(second=0, microsecond=0)
    log.minutes = rules.minutes_between(log.start_time, log.end_time)
    log.topics = [t for t in Topic.values if t in data.topics]
    log.notes = data.notes.strip()
    log.signoff_assessments = data.signoff_assessments
    log.signoff_interventions = data.signoff_interventions
    log.supervisor_name = supervisor.user.get_full_name() or str(supervisor.user)
    log.supervisor_license_type = profile.license_type if profile else ""
    log.supervisor_license_number = profile.license_number if profile else ""


def _write_parts(log: SupervisionLog, data: LogInput) -> None:
    LogAttendee.objects.filter(log=log).delete()
    LogClient.objects.filter(log=log).delete()
    LogAttendee.objects.bulk_create(
        [
            LogAttendee(
                log=log,
                supervisee=peer,
                supervisee_name=peer.user.get_full_name() or str(peer.user),
                certification_number=certification_number_on(peer, data.date),
            )
            for peer in {p.pk: p for p in data.supervisees}.values()
        ]
    )
    LogClient.objects.bulk_create(
        [
            LogClient(log=log, client=client, client_code=client.code, phase=phase)
            for client, phase in {c.pk: (c, ph) for c, ph in data.clients}.values()
        ]
    )


def signed_content(log: SupervisionLog) -> dict[str, Any]:
    """Everything the signature covers, in a fixed order."""
    return {
        "log": log.pk,
        "date": log.date.isoformat(),
        "start": log.start_time.strftime("%H:%M"),
        "end": log.end_time.strftime("%H:%M"),
        "minutes": log.minutes,
        "supervisor": [
            log.supervisor_name,
            log.supervisor_license_type,
            log.supervisor_license_number,
        ],
        "supervisees": sorted(
            [a.supervisee_id, a.supervisee_name, a.certification_number]
            for a in log.attendees.all()
        ),
        "topics": list(log.topics),
        "clients": sorted([c.client_code, c.phase] for c in log.clients.all()),
        "notes": log.notes,
        "signoff": [log.signoff_assessments, log.signoff_interventions],
    }


def content_hash(content: dict[str, Any]) -> str:
    """A keyed fingerprint (HMAC-SHA256 with the server's secret): someone who can write to
    the database but does not hold the secret cannot re-sign changed content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return salted_hmac("peerpath.supervision.signature", canonical, algorithm="sha256").hexdigest()


def log_signature(log: SupervisionLog) -> str:
    """The fingerprint of what was signed, by whom, when, and where."""
    return content_hash(
        {
            **signed_content(log),
            "organization": log.organization_id,
            "signed_by": log.signed_by_id,
            "signed_at": log.signed_at.isoformat() if log.signed_at else None,
            "signed_on_paper": log.signed_on_paper.isoformat() if log.signed_on_paper else None,
            "source": log.source,
        }
    )


def content_version(log: SupervisionLog) -> str:
    """What the supervisor is shown before signing; signing another version is refused."""
    return content_hash(signed_content(log))


def signature_holds(log: SupervisionLog) -> bool:
    """Whether the log still matches its signature (it always should)."""
    return bool(log.signature_hash) and constant_time_compare(
        log_signature(log), log.signature_hash
    )


CHANGED_SINCE_SHOWN = (
    "The log changed since this page was opened (another tab or unsaved edits); read it "
    "again, then sign."
)
TOO_MANY_TRIES = "Too many wrong passwords or codes. Wait {minutes} minutes and try again."
SIGN_TRIES = 5
SIGN_TRIES_MINUTES = 15


def _check_signable(log: SupervisionLog, actor: User) -> None:
    if log.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    if log.supervisor.user_id != actor.pk:
        raise ValidationError(ONLY_SUPERVISOR_SIGNS)
    if not supervisor_eligible_on(log.supervisor, log.date):
        raise ValidationError(_not_eligible(log.supervisor))
    if not (log.signoff_assessments and log.signoff_interventions):
        raise ValidationError(SIGNOFF_NEEDED)


def log_sign(
    *,
    log: SupervisionLog,
    actor: User,
    credential: str,
    version: str | None = None,
    ip_address: str | None = None,
) -> SupervisionLog:
    """The supervisor of record signs the version they were shown (`version`), after
    typing their password or a code again. The signature keeps who, when, and a keyed
    fingerprint of what was signed; the log is read-only after."""
    _check_signable(log, actor)
    _reauthenticate(actor, credential, organization=log.organization, what=f"log {log.pk}")
    with transaction.atomic():
        return _sign(log.pk, actor, version, ip_address)


def _sign(pk: int, actor: User, version: str | None, ip_address: str | None) -> SupervisionLog:
    log = SupervisionLog.objects.select_for_update().select_related("supervisor__user").get(pk=pk)
    _check_signable(log, actor)  # again, under the lock: a second tab may have signed it
    if version is not None and not constant_time_compare(version, content_version(log)):
        raise ValidationError(CHANGED_SINCE_SHOWN)
    log.signed_at = timezone.now()
    log.signed_by = actor
    log.signature_hash = log_signature(log)
    log.save(update_fields=["signature_hash", "signed_at", "signed_by", "updated_at"])
    audit_record(
        actor=actor,
        organization=log.organization,
        event=supervision_events.SUPERVISION_SIGNED,
        subject=log,
        ip_address=ip_address,
        data={"hash": log.signature_hash},
    )
    link = reverse("supervision_log", args=[log.pk])
    for attendee in log.attendees.select_related("supervisee__user"):
        notification_send(
            user=attendee.supervisee.user,
            organization=log.organization,
            title="A supervision log is ready for your acknowledgment",
            body=f"Your supervisor signed the log of the session on {log.date:%b %-d, %Y}.",
            link=link,
        )
    return log


def addendum_add(
    *,
    log: SupervisionLog,
    actor: User,
    text: str,
    credential: str,
    submission_key: uuid.UUID | None = None,
    ip_address: str | None = None,
) -> Addendum:
    """A signed correction or addition to a signed log, by its supervisor; the log as
    signed stays visible above it. The same form sent twice adds it once."""
    if submission_key is not None:
        existing = Addendum.objects.filter(submission_key=submission_key, log=log).first()
        if existing is not None:
            return existing
    if not log.is_signed:
        raise ValidationError(NOT_YET_SIGNED)
    if log.supervisor.user_id != actor.pk:
        raise ValidationError(ONLY_SUPERVISOR_SIGNS)
    if not text.strip():
        raise ValidationError({"text": ADDENDUM_EMPTY})
    _reauthenticate(actor, credential, organization=log.organization, what=f"addendum {log.pk}")
    try:
        with transaction.atomic():
            return _add_addendum(log, actor, text, submission_key, ip_address)
    except IntegrityError:
        existing = Addendum.objects.filter(submission_key=submission_key, log=log).first()
        if submission_key is None or existing is None:
            raise
        return existing


def _add_addendum(
    log: SupervisionLog,
    actor: User,
    text: str,
    submission_key: uuid.UUID | None,
    ip_address: str | None,
) -> Addendum:
    log = SupervisionLog.objects.select_for_update().get(pk=log.pk)
    signed_at = timezone.now()
    digest = content_hash(
        {
            "log": log.pk,
            "log_hash": log.signature_hash,
            "text": text.strip(),
            "author": actor.pk,
            "at": signed_at.isoformat(),
        }
    )
    addendum = Addendum.objects.create(
        log=log,
        text=text.strip(),
        author=actor,
        signed_at=signed_at,
        signature_hash=digest,
        submission_key=submission_key,
    )
    audit_record(
        actor=actor,
        organization=log.organization,
        event=supervision_events.SUPERVISION_ADDENDUM,
        subject=log,
        ip_address=ip_address,
        data={"addendum": addendum.pk, "hash": digest},
    )
    return addendum


@transaction.atomic
def log_acknowledge(
    *, log: SupervisionLog, supervisee: Membership, ip_address: str | None = None
) -> Acknowledgment:
    """A supervisee acknowledges a signed log from their own account (once)."""
    log = SupervisionLog.objects.get(pk=log.pk)
    if not log.is_signed:
        raise ValidationError(NOT_SIGNED_TO_ACKNOWLEDGE)
    if not log.attendees.filter(supervisee=supervisee).exists():
        raise ValidationError(NOT_AN_ATTENDEE)
    ack, created = Acknowledgment.objects.get_or_create(log=log, supervisee=supervisee)
    if created:
        audit_record(
            actor=supervisee.user,
            organization=log.organization,
            event=supervision_events.SUPERVISION_ACKNOWLEDGED,
            subject=log,
            ip_address=ip_address,
        )
    return ack


def log_delete(*, log: SupervisionLog, actor: User | None, ip_address: str | None = None) -> None:
    """Logs are kept for the retention period; this refuses, and says why (the refusal is
    audited)."""
    audit_record(
        actor=actor,
        organization=log.organization,
        event=supervision_events.SUPERVISION_DELETE_REFUSED,
        subject=log,
        ip_address=ip_address,
    )
    raise ValidationError(LOGS_ARE_KEPT.format(years=settings.SUPERVISION_RETENTION_YEARS))


@transaction.atomic
def log_import(
    *,
    organization: Organization,
    actor: User | None,
    external_id: str,
    supervisor: Membership,
    supervisees: list[Membership],
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    signed_on: dt.date | None,
) -> tuple[SupervisionLog, bool]:
    """A paper log transcribed into the app: marked as such, with who imported it; it
    counts as signed when the paper was signed. The same external id lands once."""
    existing = SupervisionLog.objects.filter(
        organization=organization, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    data = LogInput(date=date, start_time=start_time, end_time=end_time, supervisees=supervisees)
    _check_log(supervisor, data, today=organization.today(), paper=True)
    if signed_on is not None and not supervisor_eligible_on(supervisor, date):
        raise ValidationError({"signed_on": _not_eligible(supervisor)})
    log = SupervisionLog(
        organization=organization,
        supervisor=supervisor,
        created_by=actor,
        external_id=external_id,
        source=LogSource.PAPER,
    )
    _fill(log, supervisor, data)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:  # the same paper log imported by two runs at once
        existing = SupervisionLog.objects.filter(
            organization=organization, external_id=external_id
        ).first()
        if existing is None:
            raise
        return existing, False
    _write_parts(log, data)
    if signed_on is not None:
        log.signed_on_paper = signed_on
        SupervisionLog.objects.filter(pk=log.pk).update(
            signed_on_paper=signed_on, signature_hash=log_signature(log)
        )
        log.refresh_from_db()
    audit_record(
        actor=actor,
        organization=organization,
        event=supervision_events.SUPERVISION_IMPORTED,
        subject=log,
        data={"external_id": external_id, "signed_on_paper": str(signed_on or "")},
    )
    return log, True


# --- the record for the Board -------------------------------------------------------------


def record_export_request(
    *,
    organization: Organization,
    actor: User,
    peer: Membership,
    start: dt.date,
    end: dt.date,
    ip_address: str | None = None,
) -> RecordExport:
    """Ask for a peer's supervision record as a PDF; a task renders it after commit."""
    with transaction.atomic():
        export = RecordExport.objects.create(
            organization=organization, peer=peer, start=start, end=end, requested_by=actor
        )
        audit_record(
            actor=actor,
            organization=organization,
            event=supervision_events.SUPERVISION_RECORD_REQUESTED,
            subject=export,
            ip_address=ip_address,
            data={"peer": peer.pk, "start": start.isoformat(), "end": end.isoformat()},
        )
    from supervision.tasks import render_record

    transaction.on_commit(lambda: render_record.delay(export_id=export.pk))
    return export
