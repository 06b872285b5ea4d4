"""Writes for peer profiles, certification and CEUs. Each is audited; none trusts its caller
to have checked organization or role (views check those through programs.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from certification import events as cert_events
from certification import rules
from certification.models import (
    Certification,
    CertificationStatus,
    CeuEntry,
    CeuSource,
    ChecklistItem,
    Lapse,
    PeerProfile,
    Renewal,
    SentReminder,
    VerifiedAs,
)
from certification.selectors import PeerHistory, ceu_year_for, peer_history
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


MANAGER_VERIFIES_STEP = (
    "Your program manager verifies this step and marks it done; you cannot mark it yourself."
)
MANAGER_VERIFIED_STEP = (
    "This step was verified by {who}; only a manager can change it. Ask your program "
    "manager if something is wrong."
)


def checklist_verified_as(*, profile: PeerProfile, actor: User | None) -> str:
    """In what capacity `actor` marks a step of `profile`'s checklist: the peer themself, a
    manager or admin of the organization, or (no person, or someone else such as the
    supervisor signing the agreement) the app's own records."""
    if actor is None:
        return VerifiedAs.RECORD
    if actor.pk == profile.membership.user_id:
        return VerifiedAs.PEER
    role = (
        Membership.objects.filter(
            user=actor, organization=profile.membership.organization_id, is_active=True
        )
        .values_list("role", flat=True)
        .first()
    )
    if role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return VerifiedAs.MANAGER
    return VerifiedAs.RECORD


def peer_may_mark(requirement: str, item: ChecklistItem | None) -> bool:
    """Whether the peer may mark this step themself: not a step only a manager verifies,
    and not one a manager (or the app's own records) verified."""
    return not rules.verified_by_manager_only(requirement) and not (
        item is not None and item.verified_by_manager
    )


@transaction.atomic
def checklist_mark(
    *,
    profile: PeerProfile,
    requirement: str,
    actor: User | None,
    completed_on: dt.date | None,
    evidence: File | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> ChecklistItem:
    """Mark a step done (or not), with its date, evidence and note. A peer cannot mark a
    step only a manager verifies, nor change or undo a step a manager (or the app's own
    records) verified; a manager can."""
    if requirement not in rules.requirements_for_trail(profile.trail):
        raise ValidationError({"requirement": "This step is not part of this route."})
    verified_as = checklist_verified_as(profile=profile, actor=actor)
    item, _ = ChecklistItem.objects.select_for_update().get_or_create(
        profile=profile, requirement=requirement
    )
    if verified_as == VerifiedAs.PEER and not peer_may_mark(requirement, item):
        if item.verified_by_manager:
            who = item.updated_by or item.get_verified_as_display()
            raise ValidationError(MANAGER_VERIFIED_STEP.format(who=who))
        raise ValidationError(MANAGER_VERIFIES_STEP)
    item.completed_on = completed_on
    item.note = note
    item.updated_by = actor
    item.verified_as = verified_as
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
        data={
            "requirement": requirement,
            "completed_on": str(completed_on or ""),
            "verified_as": verified_as,
        },
    )
    return item


# --- Certification history ---------------------------------------------------------------
EXPIRY_AFTER_ISSUE = "The expiry must come after the issue date."
ISSUED_IN_FUTURE = "Record a certification once it has been issued."
RENEWAL_EXPIRY_AFTER_START = "The new expiry must come after the day the renewal takes effect."
ALREADY_LAPSED = "This certification already has a lapse running; reinstate or withdraw it first."
NO_LAPSE_RUNNING = "This certification has no lapse running to reinstate."
REINSTATE_AFTER_LAPSE = "A reinstatement takes effect after the lapse began ({day})."
LAPSE_BEFORE_ISSUE = "A lapse cannot begin before the certification was issued ({day})."
LAPSE_ALREADY_WITHDRAWN = "This lapse was already withdrawn."
WITHDRAW_NEEDS_A_REASON = "Say why the lapse was recorded in error."


@dataclass(frozen=True)
class HistoryChange:
    """A change to one peer's certification history, for whoever bills on it: the
    standing on every day before and after the change, and who made it."""

    membership_id: int
    before: PeerHistory
    after: PeerHistory
    actor: User | None
    why: str
    ip_address: str | None = None


# Called inside the change's transaction; each returns how many records it changed. The
# encounters app registers its re-billing here (encounters.apps), since it sits above us.
HISTORY_LISTENERS: list[Callable[[HistoryChange], int]] = []


def _history_changed(
    profile: PeerProfile,
    before: PeerHistory,
    *,
    actor: User | None,
    why: str,
    ip_address: str | None,
) -> int:
    change = HistoryChange(
        membership_id=profile.membership_id,
        before=before,
        after=peer_history(profile.membership_id),
        actor=actor,
        why=why,
        ip_address=ip_address,
    )
    return sum(listener(change) for listener in HISTORY_LISTENERS)


def _lock_history(profile_id: int) -> None:
    """Lock the peer's profile: every change to their certification history, and every
    encounter saved for them (encounters.services.encounters), takes this lock first, so a
    re-bill never works from a history another transaction is changing."""
    PeerProfile.objects.select_for_update().filter(pk=profile_id).exists()


def _lock(certification: Certification) -> Certification:
    """The certification, locked with its peer's history (`_lock_history`)."""
    _lock_history(certification.profile_id)
    return (
        Certification.objects.select_for_update(of=("self",))
        .select_related("profile__membership__organization")
        .get(pk=certification.pk)
    )


def _status_follows_today(profile: PeerProfile, *, lapsed: bool) -> None:
    """Certified or lapsed as the history says today; someone who has left or is inactive
    keeps that status."""
    if profile.status in (CertificationStatus.SEPARATED, CertificationStatus.INACTIVE):
        return
    if lapsed and profile.status == CertificationStatus.CERTIFIED:
        profile.status = CertificationStatus.LAPSED
    elif not lapsed and profile.status in (
        CertificationStatus.TRAINEE,
        CertificationStatus.APPLICANT,
        CertificationStatus.LAPSED,
    ):
        profile.status = CertificationStatus.CERTIFIED
    else:
        return
    profile.save(update_fields=["status", "updated_at"])


def _follow_history(profile: PeerProfile) -> None:
    today = profile.membership.organization.today()
    standing = peer_history(profile.membership_id).standing_on(today)
    if standing.certified or standing.lapsed_on is not None:
        _status_follows_today(profile, lapsed=not standing.certified)


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
    certified. The peer's encounters on the days it covers are billed again
    (`Certification.rebilled` says how many changed)."""
    if expires_on is not None and expires_on <= issued_on:
        raise ValidationError({"expires_on": EXPIRY_AFTER_ISSUE})
    if issued_on > profile.membership.organization.today():
        raise ValidationError({"issued_on": ISSUED_IN_FUTURE})
    _lock_history(profile.pk)
    before = peer_history(profile.membership_id)
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
    corrected_from = None
    if not created and expires_on and cert.expires_on != expires_on:
        corrected_from = cert.expires_on
        cert.expires_on = expires_on
        cert.save(update_fields=["expires_on"])
    profile.certification_number = number
    profile.save(update_fields=["certification_number", "updated_at"])
    _follow_history(profile)
    if not created and corrected_from is None:
        return cert
    cert.rebilled = _history_changed(
        profile,
        before,
        actor=actor,
        why="certification recorded" if created else "certification corrected",
        ip_address=ip_address,
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_RECORDED
        if created
        else cert_events.CERTIFICATION_CORRECTED,
        subject=cert,
        ip_address=ip_address,
        data={"number": number, "issued_on": issued_on.isoformat(), "rebilled": cert.rebilled}
        | (
            {}
            if created
            else {
                "expires_on": [
                    corrected_from.isoformat() if corrected_from else None,
                    expires_on.isoformat() if expires_on else None,
                ]
            }
        ),
    )
    return cert


@transaction.atomic
def certification_correct(
    *,
    certification: Certification,
    actor: User,
    issued_on: dt.date,
    expires_on: dt.date | None,
    ip_address: str | None = None,
) -> Certification:
    """Correct the issue or expiry date of a certification entered wrongly. The audit row
    keeps both dates; the peer's encounters whose billing the dates decide are billed
    again (`rebilled`)."""
    cert = _lock(certification)
    profile = cert.profile
    if expires_on is not None and expires_on <= issued_on:
        raise ValidationError({"expires_on": EXPIRY_AFTER_ISSUE})
    if issued_on > profile.membership.organization.today():
        raise ValidationError({"issued_on": ISSUED_IN_FUTURE})
    was = (cert.issued_on, cert.expires_on)
    if was == (issued_on, expires_on):
        cert.rebilled = 0
        return cert
    before = peer_history(profile.membership_id)
    cert.issued_on, cert.expires_on = issued_on, expires_on
    try:
        with transaction.atomic():
            cert.save(update_fields=["issued_on", "expires_on"])
    except IntegrityError as exc:
        raise ValidationError(
            {"issued_on": "This peer already has this certification from that date."}
        ) from exc
    _follow_history(profile)
    cert.rebilled = _history_changed(
        profile, before, actor=actor, why="certification corrected", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_CORRECTED,
        subject=cert,
        ip_address=ip_address,
        data={
            "issued_on": [was[0].isoformat(), issued_on.isoformat()],
            "expires_on": [
                was[1].isoformat() if was[1] else None,
                expires_on.isoformat() if expires_on else None,
            ],
            "rebilled": cert.rebilled,
        },
    )
    return cert


@transaction.atomic
def certification_renew(
    *,
    certification: Certification,
    actor: User | None,
    effective_on: dt.date,
    expires_on: dt.date,
    fee: Decimal | None = None,
    ip_address: str | None = None,
) -> Renewal:
    """Record a renewal: a new term from the day it takes effect through its expiry. A
    renewal recorded late leaves the days between the old expiry and `effective_on` as a
    lapse; one taking effect the day after the expiry leaves none. The same renewal sent
    twice lands once. The peer's encounters on the days it changes are billed again."""
    if expires_on <= effective_on:
        raise ValidationError({"expires_on": RENEWAL_EXPIRY_AFTER_START})
    cert = _lock(certification)
    if fee is None:
        fee = settings.CERTIFICATION_RENEWAL_FEE
    existing = Renewal.objects.filter(
        certification=cert, effective_on=effective_on, expires_on=expires_on
    ).first()
    if existing is not None:
        existing.rebilled = 0
        return existing
    profile = cert.profile
    before = peer_history(profile.membership_id)
    renewal = Renewal.objects.create(
        certification=cert,
        effective_on=effective_on,
        expires_on=expires_on,
        fee=fee,
        recorded_by=actor,
    )
    _follow_history(profile)
    renewal.rebilled = _history_changed(
        profile, before, actor=actor, why="certification renewed", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_RENEWED,
        subject=cert,
        ip_address=ip_address,
        data={
            "effective_on": effective_on.isoformat(),
            "expires_on": expires_on.isoformat(),
            "rebilled": renewal.rebilled,
        },
    )
    return renewal


@transaction.atomic
def renewal_correct(
    *,
    renewal: Renewal,
    actor: User,
    effective_on: dt.date,
    expires_on: dt.date,
    ip_address: str | None = None,
) -> Renewal:
    """Correct the dates of a renewal entered wrongly; audited with both, and billed again."""
    if expires_on <= effective_on:
        raise ValidationError({"expires_on": RENEWAL_EXPIRY_AFTER_START})
    cert = _lock(renewal.certification)
    renewal = Renewal.objects.get(pk=renewal.pk, certification=cert)
    was = (renewal.effective_on, renewal.expires_on)
    if was == (effective_on, expires_on):
        renewal.rebilled = 0
        return renewal
    profile = cert.profile
    before = peer_history(profile.membership_id)
    renewal.effective_on, renewal.expires_on = effective_on, expires_on
    try:
        with transaction.atomic():
            renewal.save(update_fields=["effective_on", "expires_on"])
    except IntegrityError as exc:
        raise ValidationError({"effective_on": "This renewal is already recorded."}) from exc
    _follow_history(profile)
    renewal.rebilled = _history_changed(
        profile, before, actor=actor, why="renewal corrected", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.RENEWAL_CORRECTED,
        subject=cert,
        ip_address=ip_address,
        data={
            "renewal": renewal.pk,
            "effective_on": [was[0].isoformat(), effective_on.isoformat()],
            "expires_on": [was[1].isoformat(), expires_on.isoformat()],
            "rebilled": renewal.rebilled,
        },
    )
    return renewal


@transaction.atomic
def certification_lapse(
    *,
    certification: Certification,
    actor: User | None,
    lapsed_on: dt.date,
    reason: str = "",
    ip_address: str | None = None,
) -> Lapse | None:
    """Record a lapse from `lapsed_on` (an expiry the daily run noticed, or a suspension)
    until a reinstatement or a renewal taking effect. Returns None when the same lapse is
    already recorded, so two runs at once record it once. Someone who has left or is
    inactive keeps that status. The peer's encounters from that day are billed again."""
    cert = _lock(certification)
    if lapsed_on < cert.issued_on:
        raise ValidationError({"lapsed_on": LAPSE_BEFORE_ISSUE.format(day=cert.issued_on)})
    if cert.lapses.filter(starts_on=lapsed_on, withdrawn_at=None).exists():
        return None
    if cert.open_lapse is not None:
        raise ValidationError({"lapsed_on": ALREADY_LAPSED})
    profile = cert.profile
    before = peer_history(profile.membership_id)
    lapse = Lapse.objects.create(
        certification=cert, starts_on=lapsed_on, reason=reason.strip(), recorded_by=actor
    )
    _follow_history(profile)
    lapse.rebilled = _history_changed(
        profile, before, actor=actor, why="certification lapsed", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_LAPSED,
        subject=cert,
        ip_address=ip_address,
        data={"lapsed_on": lapsed_on.isoformat(), "rebilled": lapse.rebilled},
    )
    return lapse


@transaction.atomic
def certification_reinstate(
    *,
    certification: Certification,
    actor: User,
    reinstated_on: dt.date,
    ip_address: str | None = None,
) -> Lapse:
    """End the running lapse on the day the state reinstated the certification; the days
    of the lapse stay not billable, the days from `reinstated_on` bill again."""
    cert = _lock(certification)
    lapse = cert.open_lapse
    if lapse is None:
        raise ValidationError({"reinstated_on": NO_LAPSE_RUNNING})
    if reinstated_on <= lapse.starts_on:
        raise ValidationError({"reinstated_on": REINSTATE_AFTER_LAPSE.format(day=lapse.starts_on)})
    profile = cert.profile
    before = peer_history(profile.membership_id)
    lapse.reinstated_on = reinstated_on
    lapse.save(update_fields=["reinstated_on"])
    _follow_history(profile)
    lapse.rebilled = _history_changed(
        profile, before, actor=actor, why="certification reinstated", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.CERTIFICATION_REINSTATED,
        subject=cert,
        ip_address=ip_address,
        data={
            "lapsed_on": lapse.starts_on.isoformat(),
            "reinstated_on": reinstated_on.isoformat(),
            "rebilled": lapse.rebilled,
        },
    )
    return lapse


@transaction.atomic
def lapse_withdraw(
    *, lapse: Lapse, actor: User, reason: str, ip_address: str | None = None
) -> Lapse:
    """Take back a lapse recorded in error: it stays in the history, marked withdrawn, and
    no longer counts. The days it covered bill again unless no term covers them."""
    if not reason.strip():
        raise ValidationError({"reason": WITHDRAW_NEEDS_A_REASON})
    cert = _lock(lapse.certification)
    lapse = Lapse.objects.get(pk=lapse.pk, certification=cert)
    if lapse.withdrawn_at is not None:
        raise ValidationError(LAPSE_ALREADY_WITHDRAWN)
    profile = cert.profile
    before = peer_history(profile.membership_id)
    lapse.withdrawn_at = timezone.now()
    lapse.withdrawn_by = actor
    lapse.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _follow_history(profile)
    lapse.rebilled = _history_changed(
        profile, before, actor=actor, why="lapse withdrawn", ip_address=ip_address
    )
    audit_record(
        actor=actor,
        organization=profile.membership.organization,
        event=cert_events.LAPSE_WITHDRAWN,
        subject=cert,
        ip_address=ip_address,
        data={
            "lapsed_on": lapse.starts_on.isoformat(),
            "reason": reason.strip(),
            "rebilled": lapse.rebilled,
        },
    )
    return lapse


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
    certs = profile.certifications.prefetch_related("renewals", "lapses").order_by("-issued_on")
    cert = next((c for c in certs if c.open_lapse is None), None)
    due = rules.reminders_due(
        standing=year,
        today=today,
        expires_on=cert.current_expiry if cert else None,
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
        "expires_on": cert.current_expiry if cert and cert.current_expiry else "",
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
