"""The hours a peer worked each day, whatever the work: they set how much supervision the
month needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certification.rules import HOURS_RANGE, is_hours_in_a_day
from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Role
from supervision import events as supervision_events
from supervision.models import HoursWorked
from supervision.selectors import may_confirm_hours
from supervision.services.supervisors import IN_THE_FUTURE, NOT_A_PEER

NOT_YOURS_TO_CONFIRM = (
    "Only a supervisor of this peer, a manager of their program or an admin can confirm "
    "their hours."
)
NOTHING_TO_CONFIRM = "There are no reported hours to confirm in these days."


def hours_problems(day: dt.date, hours: Decimal | None, *, today: dt.date) -> dict[str, str]:
    """What is wrong with one day's hours, by field: a day still to come, or hours outside
    0-24 in quarter hours. The week form and the import ask it row by row."""
    if day > today:
        return {"date": IN_THE_FUTURE}
    if hours is not None and not is_hours_in_a_day(hours):
        return {"hours": HOURS_RANGE}
    return {}


@transaction.atomic
def hours_set(
    *,
    peer: Membership,
    actor: User | None,
    days: dict[dt.date, Decimal | None],
    ip_address: str | None = None,
    source: str = "app",
) -> int:
    """Set the hours a peer worked on each given day (None clears a day). Setting the same
    hours again changes nothing. Returns how many days changed."""
    if peer.role != Role.PEER_SUPPORTER:
        raise ValidationError(NOT_A_PEER)
    today = peer.organization.today()
    errors: dict[str, str] = {}
    for day, hours in days.items():
        errors.update(hours_problems(day, hours, today=today))
    if errors:
        raise ValidationError(errors)
    existing = {
        h.date: h for h in HoursWorked.objects.select_for_update().filter(peer=peer, date__in=days)
    }
    confirmed = entry_is_confirmed(peer=peer, actor=actor, source=source)
    entry = {
        "entered_by": actor,
        "confirmed_at": timezone.now() if confirmed else None,
        "confirmed_by": actor if confirmed else None,
    }
    fields = ["hours", *entry, "updated_at"]
    changed: dict[str, Any] = {}
    for day, hours in sorted(days.items()):
        row = existing.get(day)
        if hours is None:
            if row is not None:
                HoursWorked.objects.filter(pk=row.pk).delete()
                changed[day.isoformat()] = None
            continue
        if row is None:
            # Two saves of one new day at once: the second finds the first's row.
            row, created = HoursWorked.objects.get_or_create(
                peer=peer, date=day, defaults={"hours": hours, **entry}
            )
            if created:
                changed[day.isoformat()] = str(hours)
                continue
        if row.hours == hours and not (source == "import" and not row.is_confirmed):
            continue
        # Payroll's file agreeing with hours the peer reported confirms them.
        # New hours are as confirmed as whoever entered them: a peer's change to confirmed
        # hours makes the day reported again.
        row.hours = hours
        for name, value in entry.items():
            setattr(row, name, value)
        row.save(update_fields=fields)
        changed[day.isoformat()] = str(hours)
    if changed:
        audit_record(
            actor=actor,
            organization=peer.organization,
            event=supervision_events.HOURS_UPDATED,
            subject=peer,
            ip_address=ip_address,
            data={"days": changed, "source": source, "confirmed": confirmed},
        )
    return len(changed)


def entry_is_confirmed(*, peer: Membership, actor: User | None, source: str) -> bool:
    """Hours from payroll (an import) are confirmed on entry, and so are hours entered by
    someone who may confirm this peer's (a manager or admin correcting a week). Hours the
    peer enters themself are reported until someone confirms them."""
    if actor is not None and actor.pk == peer.user_id:
        return False
    if source == "import":
        return True
    if actor is None:
        return False
    by = Membership.objects.filter(user=actor, organization=peer.organization_id).first()
    return may_confirm_hours(by, peer)


@transaction.atomic
def hours_confirm(
    *,
    peer: Membership,
    by: Membership,
    first: dt.date,
    last: dt.date,
    ip_address: str | None = None,
) -> int:
    """Confirm the hours `peer` reported from `first` to `last`, as a supervisor of theirs,
    a manager of their program or an admin (never the peer). Returns how many days were
    confirmed; confirmed days are left as they are."""
    if not may_confirm_hours(by, peer):
        raise ValidationError(NOT_YOURS_TO_CONFIRM)
    rows = list(
        HoursWorked.objects.select_for_update()
        .filter(peer=peer, date__range=(first, last), confirmed_at__isnull=True)
        .order_by("date")
    )
    if not rows:
        raise ValidationError(NOTHING_TO_CONFIRM)
    now = timezone.now()
    HoursWorked.objects.filter(pk__in=[r.pk for r in rows]).update(
        confirmed_at=now, confirmed_by=by.user
    )
    audit_record(
        actor=by.user,
        organization=peer.organization,
        event=supervision_events.HOURS_CONFIRMED,
        subject=peer,
        ip_address=ip_address,
        data={"days": {r.date.isoformat(): f"{r.hours.normalize():f}" for r in rows}},
    )
    return len(rows)
