"""The hours a peer worked each day, whatever the work: they set how much supervision the
month needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from certification.rules import HOURS_RANGE, is_hours_in_a_day
from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Role
from supervision import events as supervision_events
from supervision.models import HoursWorked
from supervision.services.supervisors import IN_THE_FUTURE, NOT_A_PEER


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
                peer=peer, date=day, defaults={"hours": hours, "entered_by": actor}
            )
            if not created and row.hours != hours:
                row.hours, row.entered_by = hours, actor
                row.save(update_fields=["hours", "entered_by", "updated_at"])
        elif row.hours != hours:
            row.hours, row.entered_by = hours, actor
            row.save(update_fields=["hours", "entered_by", "updated_at"])
        else:
            continue
        changed[day.isoformat()] = str(hours)
    if changed:
        audit_record(
            actor=actor,
            organization=peer.organization,
            event=supervision_events.HOURS_UPDATED,
            subject=peer,
            ip_address=ip_address,
            data={"days": changed, "source": source},
        )
    return len(changed)
