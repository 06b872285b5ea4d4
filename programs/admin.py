"""Platform superusers only (see config/urls.py). Organization admins work in the app."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from programs.models import AuditEvent, Invitation, Membership, Organization, Program


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "slug", "setting_type", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ["name", "organization", "slug", "is_active"]
    list_filter = ["organization", "is_active"]


class ViewOnlyAdmin:
    """Changes go through the app's services (audit, organization rules), never here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ViewOnlyAdmin, admin.ModelAdmin[Membership]):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["organization", "role", "is_active"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyAdmin, admin.ModelAdmin[Invitation]):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by", "sent_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin, admin.ModelAdmin[AuditEvent]):
    """Read-only: the log is append-only everywhere."""

    list_display = [
        "at",
        "event",
        "actor",
        "organization",
        "subject_type",
        "subject_id",
        "ip_address",
    ]
    list_filter = ["event", "organization"]
    search_fields = ["event", "subject_id", "actor__email"]
