"""Writes for organizations, programs, memberships and invitations. Each one is audited."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from config.accounts.models import User
from programs import audit
from programs.audit import audit_record
from programs.models import (
    Invitation,
    Membership,
    Notification,
    Organization,
    Program,
    Role,
)

ALREADY_A_MEMBER = "This person is already an active member of the organization."
# Whoever owns a step (a phase checklist item, a readiness action) works in the organization.
OWNER_NOT_A_MEMBER = "The owner must be an active member of the organization."
ALREADY_INVITED = (
    "An invitation to this address is already waiting; resend it from the list instead."
)
INVITATION_NOT_USABLE = "This invitation has expired or was already used or withdrawn."
INVITATION_FOR_OTHER_EMAIL = "This invitation was sent to a different e-mail address."
SIGN_IN_TO_ACCEPT = "An account with this e-mail address exists: sign in, then open the link again."
LAST_ADMIN = "The organization needs at least one active organization admin."
PROGRAM_OF_OTHER_ORG = "A program must belong to the same organization."
PROGRAM_SLUG_TAKEN = "Another program in this organization already uses this short name."
# Words the program URLs already use (programs/new/).
RESERVED_PROGRAM_SLUGS = frozenset({"new"})


# Apps that keep records per member (a peer's certification profile, say) register a
# function here; membership services call them after a member joins or changes role.
MEMBER_HOOKS: list[Callable[[Membership], None]] = []


def _member_changed(membership: Membership) -> None:
    for hook in MEMBER_HOOKS:
        hook(membership)


@transaction.atomic
def organization_ensure(
    *, slug: str, name: str, setting_type: str | None = None, actor: User | None = None
) -> tuple[Organization, bool]:
    """Create the organization, or return the existing one with that slug (idempotent)."""
    org, created = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
    if setting_type and created:
        org.setting_type = setting_type
    if created:
        org.full_clean()
        org.save()
        audit_record(actor=actor, organization=org, event=audit.ORGANIZATION_CREATED, subject=org)
    return org, created


@transaction.atomic
def program_ensure(
    *, organization: Organization, slug: str, name: str = "", actor: User | None = None
) -> tuple[Program, bool]:
    """The program with this slug in the organization, created if missing (imports use it)."""
    program, created = Program.objects.get_or_create(
        organization=organization,
        slug=slug,
        defaults={"name": name or slug.replace("-", " ").replace("_", " ").title()},
    )
    if created:
        from programs.planning import phase_items_create

        phase_items_create(program, program.phase)
        audit_record(
            actor=actor, organization=organization, event=audit.PROGRAM_CREATED, subject=program
        )
    return program, created


@transaction.atomic
def program_save(
    *,
    organization: Organization,
    actor: User,
    name: str,
    description: str = "",
    is_active: bool = True,
    caseload_limit: int | None = None,
    weekly_hours_limit: Decimal | None = None,
    program: Program | None = None,
    slug: str | None = None,
    ip_address: str | None = None,
) -> Program:
    creating = program is None
    if program is None:
        program = Program(organization=organization)
    if program.organization_id != organization.pk:
        raise ValidationError(PROGRAM_OF_OTHER_ORG)
    program.name = name
    program.description = description
    program.is_active = is_active
    if caseload_limit is not None:
        program.caseload_limit = caseload_limit
    if weekly_hours_limit is not None:
        program.weekly_hours_limit = weekly_hours_limit
    if creating:
        program.slug = slug or slugify(name)[:52] or "program"
        if program.slug in RESERVED_PROGRAM_SLUGS:
            program.slug = f"{program.slug}-program"
    clash = Program.objects.filter(organization=organization, slug=program.slug)
    if clash.exclude(pk=program.pk).exists():
        raise ValidationError({"name": PROGRAM_SLUG_TAKEN})
    program.full_clean(validate_constraints=False)
    program.save()
    if creating:
        from programs.planning import phase_items_create

        program.phase_since = organization.today()
        program.save(update_fields=["phase_since"])
        phase_items_create(program, program.phase)
        # A manager who creates a program works in it (an admin sees every program anyway).
        creator = Membership.objects.filter(user=actor, organization=organization).first()
        if creator is not None and creator.role == Role.PROGRAM_MANAGER:
            creator.programs.add(program)
    audit_record(
        actor=actor,
        organization=organization,
        event=audit.PROGRAM_CREATED if creating else audit.PROGRAM_UPDATED,
        subject=program,
        ip_address=ip_address,
    )
    return program


def _lock_organization(organization_id: int) -> Organization:
    """Serialize membership and invitation writes within one organization: rules such as
    'at least one admin' and 'one open invitation per address' read other rows, and two
    concurrent writes must not both pass the same check."""
    return Organization.objects.select_for_update().get(pk=organization_id)


def _check_programs(organization: Organization, programs: Iterable[Program]) -> list[Program]:
    programs = list(programs)
    if any(p.organization_id != organization.pk for p in programs):
        raise ValidationError({"programs": PROGRAM_OF_OTHER_ORG})
    return programs


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    programs: Iterable[Program] = (),
    invited_by: User | None,
    ip_address: str | None = None,
) -> tuple[Invitation, str]:
    """Invite a person by e-mail; returns the invitation and the token for its link.

    One live invitation per address and organization: a repeat is refused, not duplicated.
    """
    email = email.strip().lower()
    _lock_organization(organization.pk)
    program_list = _check_programs(organization, programs)
    if Membership.objects.filter(
        organization=organization, user__email=email, is_active=True
    ).exists():
        raise ValidationError({"email": ALREADY_A_MEMBER})
    now = timezone.now()
    waiting = Invitation.objects.select_for_update().filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    # A double submit or a second try must not send two live links.
    if waiting.filter(expires_at__gt=now).exists():
        raise ValidationError({"email": ALREADY_INVITED})
    waiting.update(revoked_at=now)  # expired ones: close them
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=now + settings.INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    invitation.programs.set(program_list)
    audit_record(
        actor=invited_by,
        organization=organization,
        event=audit.INVITATION_CREATED,
        subject=invitation,
        ip_address=ip_address,
        data={"email": email, "role": role},
    )
    _queue_invitation_email(invitation.pk, token)
    return invitation, token


def _queue_invitation_email(invitation_id: int, token: str) -> None:
    from programs.tasks import send_invitation_email

    transaction.on_commit(
        lambda: send_invitation_email.delay(invitation_id=invitation_id, token=token)
    )


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor: User, ip_address: str | None = None
) -> tuple[Invitation, str]:
    """A fresh link with a fresh expiry; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(INVITATION_NOT_USABLE)
    token = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_token(token)
    invitation.expires_at = timezone.now() + settings.INVITATION_VALID_FOR
    invitation.sent_at = None
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at"])
    audit_record(
        actor=actor,
        organization=invitation.organization,
        event=audit.INVITATION_RESENT,
        subject=invitation,
        ip_address=ip_address,
    )
    _queue_invitation_email(invitation.pk, token)
    return invitation, token


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, actor: User, ip_address: str | None = None
) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        organization=invitation.organization,
        event=audit.INVITATION_REVOKED,
        subject=invitation,
        ip_address=ip_address,
    )


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    ip_address: str | None = None,
) -> Membership:
    """Join the organization: an existing account (signed in) or a new one made here."""
    from allauth.account.models import EmailAddress

    _lock_organization(invitation.organization_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(INVITATION_NOT_USABLE)
    if user is None:
        user = User.objects.filter(email=invitation.email).first()
        if user is not None:
            # The address has an account: it must sign in and accept, not be re-created.
            raise ValidationError(SIGN_IN_TO_ACCEPT)
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
    elif user.email != invitation.email:
        raise ValidationError(INVITATION_FOR_OTHER_EMAIL)
    # The invitation link reached this inbox, which proves the address.
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    membership = Membership.objects.filter(user=user, organization=invitation.organization).first()
    if membership is not None and membership.is_active:
        # An invitation never rewrites a current member's role; an admin does that.
        raise ValidationError(ALREADY_A_MEMBER)
    if membership is None:
        membership = Membership(user=user, organization=invitation.organization)
    membership.role = invitation.role
    membership.is_active = True  # a former member, re-invited after leaving
    membership.save()
    membership.programs.set(invitation.programs.all())
    _member_changed(membership)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        organization=invitation.organization,
        event=audit.INVITATION_ACCEPTED,
        subject=membership,
        ip_address=ip_address,
        data={"role": invitation.role},
    )
    return membership


def _withdraw_open_invitations(organization_id: int, email: str) -> None:
    """A membership decided by an admin or an import outranks an older invitation."""
    Invitation.objects.filter(
        organization=organization_id, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def _ensure_an_admin_remains(membership: Membership, *, new_role: str, active: bool) -> None:
    losing_admin = membership.role == Role.ORG_ADMIN and membership.is_active
    stays_admin = new_role == Role.ORG_ADMIN and active
    if losing_admin and not stays_admin:
        others = Membership.objects.filter(
            organization=membership.organization_id, role=Role.ORG_ADMIN, is_active=True
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(LAST_ADMIN)


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: User | None,
    role: str,
    programs: Iterable[Program],
    is_active: bool = True,
    ip_address: str | None = None,
) -> Membership:
    _lock_organization(membership.organization_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    program_list = _check_programs(membership.organization, programs)
    _ensure_an_admin_remains(membership, new_role=role, active=is_active)
    before = {
        "role": membership.role,
        "is_active": membership.is_active,
        "programs": sorted(membership.programs.values_list("slug", flat=True)),
    }
    membership.role = role
    membership.is_active = is_active
    membership.full_clean(validate_constraints=False)
    membership.save()
    membership.programs.set(program_list)
    _member_changed(membership)
    after = {
        "role": role,
        "is_active": is_active,
        "programs": sorted(p.slug for p in program_list),
    }
    if not is_active:
        _withdraw_open_invitations(membership.organization_id, membership.user.email)
    if before != after:
        audit_record(
            actor=actor,
            organization=membership.organization,
            event=audit.MEMBERSHIP_UPDATED,
            subject=membership,
            ip_address=ip_address,
            data={"before": before, "after": after},
        )
    return membership


@transaction.atomic
def membership_ensure(
    *,
    organization: Organization,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    programs: Iterable[Program],
    actor: User | None = None,
) -> tuple[Membership, Literal["created", "updated", "unchanged"]]:
    """Staff from an import or the demo: the account and membership, created or brought up
    to date; programs are added to the ones the person already has. A new account has no
    usable password: the person sets one with 'Forgot password' or through an invitation."""
    from allauth.account.models import EmailAddress

    email = email.strip().lower()
    program_list = _check_programs(organization, programs)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, first_name=first_name, last_name=last_name)
    renamed = bool(first_name) and (user.first_name, user.last_name) != (first_name, last_name)
    if renamed:
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    _lock_organization(organization.pk)
    existing = Membership.objects.filter(user=user, organization=organization).first()
    if existing is None:
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        _withdraw_open_invitations(organization.pk, email)
        _member_changed(membership)
        membership.programs.set(program_list)
        audit_record(
            actor=actor,
            organization=organization,
            event=audit.MEMBERSHIP_CREATED,
            subject=membership,
            data={"role": role, "programs": sorted(p.slug for p in program_list)},
        )
        return membership, "created"
    current = set(existing.programs.all())
    wanted = current | set(program_list)
    if existing.role == role and existing.is_active and wanted == current:
        return existing, "updated" if renamed else "unchanged"
    membership = membership_update(
        membership=existing, actor=actor, role=role, programs=wanted, is_active=True
    )
    return membership, "updated"


def notification_send(
    *, user: User, organization: Organization, title: str, body: str = "", link: str = ""
) -> Notification:
    """An in-app notification, e-mailed once after the surrounding transaction commits."""
    note = Notification.objects.create(
        user=user, organization=organization, title=title, body=body, link=link
    )
    from programs.tasks import email_notification

    transaction.on_commit(lambda: email_notification.delay(notification_id=note.pk))
    return note


def notifications_mark_read(*, membership: Membership, ids: Iterable[int]) -> int:
    """Mark read the notifications the person was shown (not ones on other pages, or
    ones that arrived meanwhile)."""
    return (
        Notification.objects.for_member(membership)
        .filter(pk__in=list(ids), read_at__isnull=True)
        .update(read_at=timezone.now())
    )
