"""Development phases: each program's checklist per phase, and the gated move onward.

Services and selectors together, as in programs.readiness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from config.accounts.models import User
from programs import audit
from programs.access import rule_for
from programs.audit import audit_record
from programs.models import (
    ChecklistItem,
    Membership,
    Organization,
    PhaseChange,
    PhaseTemplateItem,
    Program,
    Role,
)
from programs.rules import DEFAULT_PHASE_ITEMS, PHASE_LABELS, next_phase
from programs.services import OWNER_NOT_A_MEMBER

ITEMS_OPEN = (
    "{n} item(s) of this phase are still open. Finish them, or give a reason to move on "
    "anyway; the reason is recorded."
)
LAST_PHASE = "Operational is the last phase."
ALREADY_MOVED = "The program is already in {phase}; nothing was changed."


@rule_for(ChecklistItem)
def _items_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(program__in=Program.objects.for_member(membership))


@rule_for(PhaseTemplateItem)
def _template_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return qs
    return qs.none()


def phase_template(organization: Organization) -> QuerySet[PhaseTemplateItem]:
    """The organization's own checklist template, made from the defaults on first use."""
    items = PhaseTemplateItem.objects.filter(organization=organization)
    if not organization.phase_template_seeded:
        _seed_template(organization)
    return items.order_by("phase", "position", "pk")


@transaction.atomic
def _seed_template(organization: Organization) -> None:
    # Locked, so two first uses at once copy the defaults once.
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if not org.phase_template_seeded:
        PhaseTemplateItem.objects.bulk_create(
            PhaseTemplateItem(organization=organization, phase=phase, title=title, position=i)
            for phase, titles in DEFAULT_PHASE_ITEMS.items()
            for i, title in enumerate(titles)
        )
        org.phase_template_seeded = True
        org.save(update_fields=["phase_template_seeded"])
    organization.phase_template_seeded = True


def phase_items_create(program: Program, phase: str) -> int:
    """Give the program its checklist for `phase` from the template (once)."""
    if program.checklist.filter(phase=phase).exists():
        return 0
    template = phase_template(program.organization).filter(phase=phase)
    created = ChecklistItem.objects.bulk_create(
        ChecklistItem(program=program, phase=phase, title=t.title, position=t.position)
        for t in template
    )
    return len(created)


@transaction.atomic
def program_phase_advance(
    *,
    program: Program,
    actor: User,
    override_reason: str = "",
    from_phase: str | None = None,
    ip_address: str | None = None,
) -> PhaseChange:
    """Move the program to the next phase. With items of the current phase still open the
    move needs an explicit reason, which is kept with the change and in the audit log."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    if from_phase is not None and from_phase != program.phase:  # the page names it
        # A double tap or a stale page: the move already happened; never skip a phase.
        raise ValidationError(ALREADY_MOVED.format(phase=PHASE_LABELS[program.phase]))
    target = next_phase(program.phase)
    if target is None:
        raise ValidationError(LAST_PHASE)
    phase_items_create(program, program.phase)
    open_items = program.checklist.filter(phase=program.phase, done_on__isnull=True).count()
    reason = override_reason.strip()
    if open_items and not reason:
        raise ValidationError({"override_reason": ITEMS_OPEN.format(n=open_items)})
    today = program.organization.today()
    change = PhaseChange.objects.create(
        program=program,
        from_phase=program.phase,
        to_phase=target,
        open_items=open_items,
        override_reason=reason if open_items else "",
        changed_by=actor,
        changed_on=today,
    )
    program.phase, program.phase_since = target, today
    program.save(update_fields=["phase", "phase_since"])
    phase_items_create(program, target)
    audit_record(
        actor=actor,
        organization=program.organization,
        event=audit.PROGRAM_PHASE_OVERRIDDEN if open_items else "program.phase_changed",
        subject=program,
        ip_address=ip_address,
        data={
            "from": change.from_phase,
            "to": target,
            "open_items": open_items,
            "reason": change.override_reason,
        },
    )
    return change


@transaction.atomic
def checklist_item_update(
    *,
    item: ChecklistItem,
    actor: User,
    owner: User | None,
    due_date: dt.date | None,
    done: bool,
    note: str = "",
    ip_address: str | None = None,
) -> ChecklistItem:
    if (
        owner is not None
        and not Membership.objects.filter(
            organization=item.program.organization_id,
            user=owner,
            is_active=True,
            user__is_active=True,
        ).exists()
    ):
        raise ValidationError({"owner": OWNER_NOT_A_MEMBER})
    item.owner, item.due_date, item.note = owner, due_date, note.strip()
    if done and item.done_on is None:
        item.done_on = item.program.organization.today()
    elif not done:
        item.done_on = None
    item.save()
    audit_record(
        actor=actor,
        organization=item.program.organization,
        event=audit.CHECKLIST_UPDATED,
        subject=item,
        ip_address=ip_address,
        data={"done": done, "title": item.title},
    )
    return item


@transaction.atomic
def phase_template_add(
    *, organization: Organization, phase: str, title: str, actor: User
) -> PhaseTemplateItem:
    items = phase_template(organization).filter(phase=phase)
    position = (items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = PhaseTemplateItem.objects.create(
        organization=organization, phase=phase, title=title.strip(), position=position
    )
    audit_record(
        actor=actor,
        organization=organization,
        event=audit.PHASE_TEMPLATE_ADDED,
        subject=item,
        data={"phase": phase, "title": item.title},
    )
    return item


@transaction.atomic
def phase_template_remove(*, item: PhaseTemplateItem, actor: User) -> None:
    """Removes the item for programs that enter the phase later; current checklists keep it."""
    audit_record(
        actor=actor,
        organization=item.organization,
        event=audit.PHASE_TEMPLATE_REMOVED,
        subject=item,
        data={"phase": item.phase, "title": item.title},
    )
    item.delete()


@dataclass(frozen=True)
class PhaseProgress:
    phase: str
    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 100


def progress_of(program: Program) -> PhaseProgress:
    items = program.checklist.filter(phase=program.phase)
    return PhaseProgress(
        phase=program.phase,
        label=PHASE_LABELS[program.phase],
        done=items.filter(done_on__isnull=False).count(),
        total=items.count(),
    )
