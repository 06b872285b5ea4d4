"""Writing a supervision log and correcting it until it is signed. Names, the supervisor's
license and each supervisee's certification number are kept as they were on the session's
date. A log is never deleted in its retention period."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certification.models import Certification
from config.accounts.models import User
from encounters.models import Client
from programs.audit import audit_record
from programs.models import Membership, Role
from supervision import events as supervision_events
from supervision import rules
from supervision.models import (
    LOGS_ARE_KEPT,
    LogAttendee,
    LogClient,
    SupervisionAgreement,
    SupervisionLog,
    SupervisorProfile,
    Topic,
    active_on,
)
from supervision.services.signing import ALREADY_SIGNED
from supervision.services.supervisors import IN_THE_FUTURE, NOT_A_PEER, NOT_A_SUPERVISOR

END_NOT_AFTER_START = "The session must end after it starts."
NO_SUPERVISEES = "Choose at least one supervisee."
NO_AGREEMENT = "{name} has no supervision agreement with you in force on this date."
CLIENT_NOT_OF_SUPERVISEES = "Client {code} is not a client of the supervisees at this session."
UNKNOWN_TOPIC = "Choose topics from the list."


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
        Certification.objects.filter(profile__membership=peer, issued_on__lte=day)
        .prefetch_related("renewals", "lapses")
        .order_by("-issued_on")
    )
    active = [c for c in certs if c.is_active_on(day)]
    chosen = active or certs
    return chosen[0].number if chosen else ""


def log_check(supervisor: Membership, data: LogInput, *, today: dt.date, paper: bool) -> None:
    """Refuse a log that cannot be: a day still to come, an end not after the start, no
    supervisee or one who is not a peer here, an unknown topic, a client of nobody at the
    session. Written in the app, each supervisee needs an agreement with the supervisor in
    force that day; a `paper` log is taken as it was kept."""
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
    log_check(supervisor, data, today=org.today(), paper=False)
    creating = log is None
    if log is None:
        log = SupervisionLog(
            organization=org, supervisor=supervisor, created_by=actor, submission_key=submission_key
        )
    else:
        log = SupervisionLog.objects.select_for_update().get(pk=log.pk)
        if log.is_signed:
            raise ValidationError(ALREADY_SIGNED)
    log_fill(log, supervisor, data)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        existing = SupervisionLog.objects.filter(submission_key=submission_key).first()
        if creating and existing is not None:
            return existing, False
        raise
    log_parts_write(log, data)
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


def log_fill(log: SupervisionLog, supervisor: Membership, data: LogInput) -> None:
    """Put the session, the supervisor's name and their license on the (unsaved) log."""
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


def log_parts_write(log: SupervisionLog, data: LogInput) -> None:
    """Replace the saved log's supervisees (with their certification numbers on the
    session's date) and clients (with the phase given)."""
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
