"""The audit log's one writer and its vocabulary.

Every app names its events as constants made by `event(code, label)`: the code is what the
row stores, the label what a reader sees on the audit page and in its CSV. Programs' own
events (organizations, programs, people, sign-in, readiness, phases, budgets) are below;
each other app keeps its events in its own `events.py`, loaded when the app is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from config.text import storable

if TYPE_CHECKING:
    from config.accounts.models import User
    from programs.models import AuditEvent, Organization

_LABELS: dict[str, str] = {}


def event(code: str, label: str) -> str:
    """Register an audit event's reader's label and return its code (one label per code)."""
    if _LABELS.get(code, label) != label:
        raise RuntimeError(f"The audit event {code!r} already has another label.")
    _LABELS[code] = label
    return code


def event_label(code: str) -> str:
    """A reader's name for the event; an unregistered code is spelt out."""
    return _LABELS.get(code, code.replace(".", " ").replace("_", " "))


def registered_events() -> dict[str, str]:
    """Every registered code with its label (for the audit page's filter and tests)."""
    return dict(_LABELS)


def audit_record(
    *,
    actor: User | None,
    organization: Organization | None,
    event: str,
    subject: models.Model | None = None,
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit log; call it inside the write's own transaction.

    A character PostgreSQL cannot store (NUL, a lone surrogate) in the data is replaced with
    U+FFFD: the row is written, never a 500, and the reader sees where it was."""
    from programs.models import AuditEvent

    return AuditEvent.objects.create(
        actor=actor,
        organization=organization,
        event=event,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        ip_address=ip_address,
        data=storable(data or {}),
    )


ACCOUNT_SIGN_IN_FAILED = event("account.sign_in_failed", "Failed sign-in")
ACCOUNT_SIGNED_IN = event("account.signed_in", "Signed in")
ACCOUNT_SIGNED_OUT = event("account.signed_out", "Signed out")
CHECKLIST_UPDATED = event("checklist.updated", "Checklist item changed")
FUNDING_ADDED = event("funding.added", "Funding source added")
FUNDING_REMOVED = event("funding.removed", "Funding source removed")
FUNDING_UPDATED = event("funding.updated", "Funding source changed")
IMPORT_CHECKED = event("import.checked", "Import file checked")
IMPORT_DONE = event("import.imported", "File imported")
IMPORT_FAILED = event("import.failed", "Import refused, nothing written")
IMPORT_FILE_DELETED = event("import.file_deleted", "Uploaded import file deleted")
IMPORT_REFUSED_DUPLICATE = event("import.refused_duplicate", "Import refused: file imported before")
INVITATION_ACCEPTED = event("invitation.accepted", "Invitation accepted")
INVITATION_CREATED = event("invitation.created", "Invitation sent")
INVITATION_RESENT = event("invitation.resent", "Invitation sent again")
INVITATION_REVOKED = event("invitation.revoked", "Invitation withdrawn")
MEMBERSHIP_CREATED = event("membership.created", "Staff member added")
MEMBERSHIP_UPDATED = event("membership.updated", "Role, programs or access changed")
ORGANIZATION_CREATED = event("organization.created", "Organization created")
PHASE_TEMPLATE_ADDED = event("phase_template.added", "Phase checklist item added")
PHASE_TEMPLATE_REMOVED = event("phase_template.removed", "Phase checklist item removed")
POSITION_CREATED = event("position.created", "Peer position added")
PROGRAM_CREATED = event("program.created", "Program created")
PROGRAM_PHASE_OVERRIDDEN = event(
    "program.phase_overridden", "Program moved on with its checklist open"
)
PROGRAM_UPDATED = event("program.updated", "Program changed")
READINESS_ACTION_DONE = event("readiness.action_done", "Readiness plan step done or reopened")
READINESS_ASSESSED = event("readiness.assessed", "Readiness assessed")
READINESS_PLANNED = event("readiness.planned", "Readiness plan written")
