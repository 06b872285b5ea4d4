"""Signing a supervision log: what the signature covers, its keyed fingerprint, and the
supervisor of record signing after typing their password or an authenticator code again.
A signed log is read-only; wrong passwords or codes are audited and, past SIGN_TRIES in
SIGN_TRIES_MINUTES, refused outright."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from config.accounts.models import User
from config.accounts.reauth import credential_ok
from programs.audit import audit_record
from programs.models import AuditEvent, Organization
from programs.services import notification_send
from supervision import events as supervision_events
from supervision.models import SupervisionLog
from supervision.services.supervisors import not_eligible_reason, supervisor_eligible_on

ONLY_SUPERVISOR_SIGNS = "Only the supervisor of record can sign this log."
ALREADY_SIGNED = "This log is already signed."
SIGNOFF_NEEDED = "Tick both sign-off statements to sign."
WRONG_CREDENTIAL = "That password or code is not right. Nothing was signed."
CHANGED_SINCE_SHOWN = (
    "The log changed since this page was opened (another tab or unsaved edits); read it "
    "again, then sign."
)
TOO_MANY_TRIES = "Too many wrong passwords or codes. Wait {minutes} minutes and try again."
SIGN_TRIES = 5
SIGN_TRIES_MINUTES = 15


def reauthenticate(actor: User, credential: str, *, organization: Organization, what: str) -> None:
    """Refuse (and audit, outside any transaction that the refusal rolls back) a wrong
    password or code; after SIGN_TRIES wrong ones in SIGN_TRIES_MINUTES, refuse all. The
    count is of the actor's refusals in the audit log, so it holds across tabs, logs,
    addenda and organizations."""
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


def _check_signable(log: SupervisionLog, actor: User) -> None:
    if log.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    if log.supervisor.user_id != actor.pk:
        raise ValidationError(ONLY_SUPERVISOR_SIGNS)
    if not supervisor_eligible_on(log.supervisor, log.date):
        raise ValidationError(not_eligible_reason(log.supervisor))
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
    reauthenticate(actor, credential, organization=log.organization, what=f"log {log.pk}")
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
