"""Writes for peer profiles, certification and CEUs. Each is audited; none trusts its caller
to have checked organization or role (views check those through programs.access)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse

from certification import events as cert_events
from certification import rules
from certification.models import (
    Certification,
    CertificationStatus,
    CeuEntry,
    CeuSource,
    ChecklistItem,
    PeerProfile,
    Renewal,
    SentReminder,
)
from certification.selectors import ceu_year_for
from config.accounts.models import User
from programs import audit
from programs.audit import audit_record
from programs.models import Membership, Role
from programs.selectors import managers_of
from programs.services import notification_send

HOURS_IN_QUARTERS = "Enter hours in quarter hours (for example 1.25 or 3.5)."
HOURS_POSITIVE = "Hours must be more than zero."
HOURS_TOO_MANY = "One entry can hold at most {max} hours; split a longer course by day."
DATE_IN_FUTURE = "CEUs are recorded once earned: the date cannot be in the future."
NOT_A_PEER = "Only peer supporters have a certification record."
REVEAL_NEEDS_A_REASON = "Say why you need to see the date."
MAX_HOURS_PER_ENTRY = Decimal("60")


def profile_for(membership: Membership) -> PeerProfile:
    """The peer's profile, created on first use."""
    if membership.role != Role.PEER_SUPPORTER:
        raise ValidationError(NOT_A_PEER)
    profile, _ = PeerProfile.objects.get_or_create(membership=membership)
    return profile


def ensure_profile_for_peer(membership: Membership) -> None:
    """Every peer supporter has a certification record from the day they join, so the team
    view lists them and a manager can record their certification."""
    if membership.role == Role.PEER_SUPPORTER:
        PeerProfile.objects.get_or_create(membership=membership)


def _check_ceu(*, hours: Decimal, date: dt.date, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if hours <= 0:
        errors["hours"] = [HOURS_POSITIVE]
    elif hours > MAX_HOURS_PER_ENTRY:
        errors["hours"] = [HOURS_TOO_MANY.format(max=MAX_HOURS_PER_ENTRY)]
    elif not rules.is_quarter_hours(hours):
        errors["hours"] = [HOURS_IN_QUARTERS]
    if date > today:
        errors["date"] = [DATE_IN_FUTURE]
    if errors:
        raise ValidationError(errors)


def ceu_add(
    *,
    profile: PeerProfile,
    actor: User | None,
    date: dt.date,
    hours: Decimal,
    title: str,
    provider: str = "",
    topic: str = "",
    certificate: File | None = None,
    source: str = CeuSource.MANUAL,
    source_key: str | None = None,
    ip_address: str | None = None,
) -> tuple[CeuEntry, bool]:
    """Record CEU hours. With a `source_key` (a form's one-time key, an import row, a
    completed course) the same credit lands once however often it is sent; returns the
    entry and whether it is new."""
    org = profile.membership.organization
    _check_ceu(hours=hours, date=date, today=org.today())
    if source_key:
        existing = CeuEntry.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing, False
    entry = CeuEntry(
        profile=profile,
        date=date,
        hours=hours,
        title=title.strip(),
        provider=provider.strip(),
        topic=topic,
        source=source,
        source_key=source_key or None,
        added_by=actor,
    )
    if certificate is not None:
        entry.certificate = certificate
    entry.full_clean(exclude=["source_key"])
    try:
        with transaction.atomic():
            entry.save()
            audit_record(
                actor=actor,
                organization=org,
                event=cert_events.CEU_ADDED,
                subject=entry,
                ip_address=ip_address,
                data={"hours": str(hours), "peer": profile.pk},
            )
    except IntegrityError:
        # Two identical submissions raced; the other one won and holds the same credit.
        if source_key:
            return CeuEntry.objects.get(source_key=source_key), False
        raise
    return entry, True


@transaction.atomic
def ceu_delete(*, entry: CeuEntry, actor: User, ip_address: str | None = None) -> None:
    audit_record(
        actor=actor,
        organization=entry.profile.membership.organization,
        event=cert_events.CEU_DELETED,
        subject=entry,
        ip_address=ip_address,
        data={"date": entry.date.isoformat(), "hours": str(entry.hours), "title": entry.title},
    )
    entry.certificate.delete(save=False)
    entry.delete()


@transaction.atomic
def checklist_mark(
    *,
    profile: PeerProfile,
    requirement: str,
    actor: User,
    completed_on: dt.date | None,
    evidence: File | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> ChecklistItem:
    if requirement not in rules.requirements_for_trail(profile.trail):
        raise ValidationError({"requirement": "This step is not part of this route."})
    item, _ = ChecklistItem.objects.select_for_update().get_or_create(
        profile=profile, requirement=requirement
    )
    item.completed_on = completed_on
    item.note = note
    item.updated_by = actor
    if evidence is not None:
        item.evidence = evidence
    item.full_clean(validate_constraints=False)
    item.save()
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=audit.CHECKLIST_UPDATED,
        subject=item,
        ip_address=ip_address,
        data={"requirement": requirement, "completed_on": str(completed_on or "")},
    )
    return item


@transaction.atomic
def certification_record(
    *,
    profile: PeerProfile,
    actor: User | None,
    number: str,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    ip_address: str | None = None,
) -> Certification:
    """Record a state certification (idempotent on number and date) and mark the peer
    certified."""
    if expires_on is not None and expires_on <= issued_on:
        raise ValidationError({"expires_on": "The expiry must come after the issue date."})
    if issued_on > profile.membership.organization.today():
        raise ValidationError({"issued_on": "Record a certification once it has been issued."})
    try:
        with transaction.atomic():
            cert, created = Certification.objects.get_or_create(
                profile=profile,
                number=number,
                issued_on=issued_on,
                defaults={"expires_on": expires_on},
            )
    except IntegrityError:  # the same certification, recorded at the same moment
        cert, created = (
            Certification.objects.get(profile=profile, number=number, issued_on=issued_on),
            False,
        )
    if not created and expires_on and cert.expires_on != expires_on:
        cert.expires_on = expires_on
        cert.save(update_fields=["expires_on"])
    profile.certification_number = number
    if profile.status in (
        CertificationStatus.TRAINEE,
        CertificationStatus.APPLICANT,
        CertificationStatus.LAPSED,
    ):
        profile.status = CertificationStatus.CERTIFIED
    profile.save(update_fields=["certification_number", "status", "updated_at"])
    if created:
        audit_record(
            actor=actor,
            organization=profile.membership.organization,
            event=cert_events.CERTIFICATION_RECORDED,
            subject=cert,
            ip_address=ip_address,
            data={"number": number, "issued_on": issued_on.isoformat()},
        )
    return cert


@transaction.atomic
def certification_renew(
    *,
    certification: Certification,
    actor: User,
    renewed_on: dt.date,
    expires_on: dt.date,
    fee: Decimal | None = None,
    ip_address: str | None = None,
) -> Renewal:
    if expires_on <= renewed_on:
        raise ValidationError({"expires_on": "The new expiry must come after the renewal date."})
    if fee is None:
        fee = settings.CERTIFICATION_RENEWAL_FEE
    # The same renewal sent twice (a double tap, a retry) is recorded once.
    renewal, created = Renewal.objects.get_or_create(
        certification=certification,
        renewed_on=renewed_on,
        expires_on=expires_on,
        defaults={"fee": fee},
    )
    if not created:
        return renewal
    certification.expires_on = expires_on
    certification.lapsed_on = None
    certification.save(update_fields=["expires_on", "lapsed_on"])
    profile = certification.profile
    if profile.status == CertificationStatus.LAPSED:
        profile.status = CertificationStatus.CERTIFIED
        profile.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_RENEWED,
        subject=certification,
        ip_address=ip_address,
        data={"expires_on": expires_on.isoformat()},
    )
    return renewal


@transaction.atomic
def certification_lapse(
    *,
    certification: Certification,
    actor: User | None,
    lapsed_on: dt.date,
    ip_address: str | None = None,
) -> Certification | None:
    """Record a lapse once: a conditional update, so two runs at once lapse it one time.
    Returns None when it was already lapsed. Someone who has left or is inactive keeps
    that status; the lapse is still recorded on the certification."""
    changed = Certification.objects.filter(pk=certification.pk, lapsed_on__isnull=True).update(
        lapsed_on=lapsed_on
    )
    if not changed:
        return None
    certification.lapsed_on = lapsed_on
    profile = certification.profile
    if profile.status not in (CertificationStatus.SEPARATED, CertificationStatus.INACTIVE):
        profile.status = CertificationStatus.LAPSED
        profile.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_LAPSED,
        subject=certification,
        ip_address=ip_address,
        data={"lapsed_on": lapsed_on.isoformat()},
    )
    return certification


@transaction.atomic
def profile_update(
    *, profile: PeerProfile, actor: User, ip_address: str | None = None, **fields: Any
) -> PeerProfile:
    changed = {k: str(v) for k, v in fields.items() if getattr(profile, k) != v}
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    if changed:
        # The recovery date itself never goes into the log, only that it changed.
        logged = {k: ("(changed)" if k == "recovery_since" else v) for k, v in changed.items()}
        audit_record(
            actor=actor,
            organization=profile.membership.organization,
            event=cert_events.PROFILE_UPDATED,
            subject=profile,
            ip_address=ip_address,
            data=logged,
        )
    return profile


def recovery_date_reveal(
    *, profile: PeerProfile, actor: User, reason: str, ip_address: str | None = None
) -> dt.date | None:
    """A manager looks at a peer's recovery date: allowed only with a reason, which the
    audit log keeps with the manager's name."""
    if not reason.strip():
        raise ValidationError({"reason": REVEAL_NEEDS_A_REASON})
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.PROFILE_RECOVERY_DATE_VIEWED,
        subject=profile,
        ip_address=ip_address,
        data={"reason": reason.strip()},
    )
    return profile.recovery_since


# --- Reminders ----------------------------------------------------------------------------
REMINDER_TEXT = {
    rules.Reminder.PROGRESS: (
        "Your CEU hours for {year}",
        "You have {available} of {required} hours for {year}; {remaining} to go by December 31.",
    ),
    rules.Reminder.BEHIND: (
        "You are behind on CEU hours for {year}",
        "An even pace needs more hours by now. You have {available} of "
        "{required}; {remaining} to go by December 31.",
    ),
    rules.Reminder.ESCALATION: (
        "{peer} is short of CEU hours for {year}",
        "{peer} has {available} of {required} hours for {year}.",
    ),
    rules.Reminder.RENEWAL: (
        "Your certification expires on {expires_on}",
        "Renew it before {expires_on} to keep working as a CBHPSS.",
    ),
}


def reminders_send_for(profile: PeerProfile, *, today: dt.date) -> list[str]:
    """Send every reminder the peer is due today that has not gone out yet; returns the
    kinds sent. Safe to run any number of times, also at once from two workers: the
    SentReminder row is written first under a unique key, and whoever fails to write it
    sends nothing."""
    membership = profile.membership
    year = ceu_year_for(profile, year=today.year, today=today)
    cert = profile.certifications.filter(lapsed_on__isnull=True).order_by("-issued_on").first()
    due = rules.reminders_due(
        standing=year,
        today=today,
        expires_on=cert.expires_on if cert else None,
        escalation_months=settings.CEU_ESCALATION_MONTHS,
        renewal_days=settings.CERTIFICATION_RENEWAL_REMINDER_DAYS,
    )
    sent = []
    for reminder in due:
        try:
            with transaction.atomic():
                SentReminder.objects.create(
                    profile=profile, kind=reminder.kind, period=reminder.period
                )
                _deliver(profile, reminder.kind, year, cert)
        except IntegrityError:
            continue  # already sent by an earlier run or a parallel worker
        sent.append(str(reminder.kind))
    if sent:
        audit_record(
            actor=None,
            organization=membership.organization,
            event=cert_events.REMINDERS_SENT,
            subject=profile,
            data={"kinds": sent},
        )
    return sent


def _deliver(
    profile: PeerProfile, kind: rules.Reminder, year: rules.CeuYear, cert: Certification | None
) -> None:
    membership = profile.membership
    words = {
        "year": year.year,
        "available": year.available,
        "required": year.required,
        "remaining": year.remaining,
        "peer": membership.user,
        "expires_on": cert.expires_on if cert and cert.expires_on else "",
    }
    title, body = (t.format(**words) for t in REMINDER_TEXT[kind])
    if kind == rules.Reminder.ESCALATION:
        recipients = [m.user for m in managers_of(membership)]
        link = reverse("certification_team")
    else:
        recipients = [membership.user]
        link = reverse("certification_mine")
    for user in recipients:
        notification_send(
            user=user, organization=membership.organization, title=title, body=body, link=link
        )
