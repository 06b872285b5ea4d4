"""Reads for organizations, programs and memberships, and who may see which of them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from config.accounts.models import User
from programs.access import rule_for
from programs.models import AuditEvent, Invitation, Membership, Notification, Program, Role


@rule_for(Program)
def _programs_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    if membership.role == Role.ORG_ADMIN:
        return qs
    # A subquery, not a join: a join here would be reused by later annotations on
    # memberships (staff counts would count only the viewer).
    return qs.filter(pk__in=membership.programs.values("pk"))


@rule_for(Membership)
def _memberships_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role in (Role.PROGRAM_MANAGER, Role.CLINICAL_SUPERVISOR):
        shared = Q(programs__in=membership.programs.all()) | Q(pk=membership.pk)
        return qs.filter(shared).distinct()
    return qs.filter(pk=membership.pk)


@rule_for(Invitation)
def _invitations_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs if membership.role == Role.ORG_ADMIN else qs.none()


@rule_for(AuditEvent)
def _audit_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs if membership.role == Role.ORG_ADMIN else qs.none()


@rule_for(Notification)
def _notifications_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(user=membership.user_id)  # one's own, always


def active_memberships_for_user(user: User) -> QuerySet[Membership]:
    """The organizations a person can switch between."""
    return (
        Membership.objects.filter(user=user, is_active=True, user__is_active=True)
        .select_related("organization", "user")
        .order_by("organization__name")
    )


def members_for_listing(membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.for_member(membership)
        .select_related("user", "peer_profile")
        .prefetch_related("programs")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )


def programs_for_listing(membership: Membership) -> QuerySet[Program]:
    return (
        Program.objects.for_member(membership)
        .annotate(
            staff_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
            items_total=Count("checklist", filter=Q(checklist__phase=F("phase")), distinct=True),
            items_done=Count(
                "checklist",
                filter=Q(checklist__phase=F("phase"), checklist__done_on__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-is_active", "name")
    )


def pending_invitations(membership: Membership) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_member(membership)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .prefetch_related("programs")
    )


def role_counts(membership: Membership) -> dict[str, int]:
    """Active staff per role in the organization, in one query."""
    rows = (
        Membership.objects.for_member(membership)
        .filter(is_active=True)
        .values("role")
        .annotate(n=Count("pk"))
    )
    counts = {role.value: 0 for role in Role}
    counts.update({row["role"]: row["n"] for row in rows})
    return counts


def user_requires_mfa(user: User, required_roles: list[str]) -> bool:
    """Platform staff always; others when any of their active roles requires it."""
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, is_active=True, role__in=required_roles).exists()


def unread_notification_count(membership: Membership) -> int:
    return Notification.objects.for_member(membership).filter(read_at__isnull=True).count()


def managers_of(membership: Membership) -> QuerySet[Membership]:
    """Who manages this person: program managers of their programs, or else the admins."""
    managers = Membership.objects.filter(
        organization=membership.organization_id,
        role=Role.PROGRAM_MANAGER,
        is_active=True,
        programs__in=membership.programs.all(),
    ).distinct()
    if managers.exists():
        return managers.select_related("user")
    return Membership.objects.filter(
        organization=membership.organization_id, role=Role.ORG_ADMIN, is_active=True
    ).select_related("user")
