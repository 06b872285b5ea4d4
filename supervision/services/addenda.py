"""What is added to a signed log without changing it: the supervisor's signed addenda, and
each supervisee's acknowledgment from their own account."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership
from supervision import events as supervision_events
from supervision.models import Acknowledgment, Addendum, SupervisionLog
from supervision.services.signing import ONLY_SUPERVISOR_SIGNS, content_hash, reauthenticate

NOT_YET_SIGNED = "Sign the log first; addenda are for signed logs."
ADDENDUM_EMPTY = "Write what the addendum adds or corrects."
NOT_SIGNED_TO_ACKNOWLEDGE = "This log is not signed yet; it can be acknowledged once it is."
NOT_AN_ATTENDEE = "Only a supervisee at this session can acknowledge it."


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
    reauthenticate(actor, credential, organization=log.organization, what=f"addendum {log.pk}")
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
