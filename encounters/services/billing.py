"""Billing an encounter by its payer's rules, and billing encounters again when a client's
day under a daily cap or a payer's rates or terms change. The rule itself is
`encounters.rules.billing_decision`; this module finds its inputs and stores its outcome."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from certification.models import Certification
from config.accounts.models import User
from encounters import events as encounter_events
from encounters import rules
from encounters.models import Encounter, Payer, Rate
from encounters.selectors import rate_on
from programs.audit import audit_record
from programs.models import AuditEvent, Membership

BILLING_FIELDS = ["billable", "units", "amount", "not_billable_reason", "rate"]

_UNSET: Any = object()


def peer_certified_on(peer: Membership, day: dt.date) -> bool:
    """Whether the peer held an active certification on `day`."""
    certifications = Certification.objects.filter(profile__membership=peer)
    return any(c.is_active_on(day) for c in certifications)


def encounter_bill(
    encounter: Encounter,
    *,
    units_left_today: int | None,
    rate: Rate | None = _UNSET,
    certified: bool | None = None,
) -> None:
    """Set the encounter's billing from its payer's rules. Re-billing many at once passes
    the `rate` and whether the peer was `certified` that day, worked out in bulk."""
    payer = encounter.payer
    if rate is _UNSET:
        rate = rate_on(payer, encounter.date) if payer is not None else None
    if certified is None:
        certified = peer_certified_on(encounter.peer, encounter.date)
    decision = rules.billing_decision(
        minutes=encounter.duration_minutes,
        date=encounter.date,
        service_type=encounter.service_type,
        payer_name=payer.name if payer is not None else None,
        unit_rate=rate.unit_amount if rate is not None else None,
        unit_minutes=rate.unit_minutes if rate is not None else rules.UNIT_MINUTES,
        requires_certification=payer.requires_certification if payer is not None else True,
        peer_certified=certified,
        units_left_today=units_left_today,
    )
    encounter.billable = decision.billable
    encounter.units = decision.units
    encounter.amount = decision.amount
    encounter.not_billable_reason = decision.reason
    encounter.rate = rate if decision.billable else None


def client_day_rebill(*, client_id: int, day: dt.date, payer: Payer, actor: User | None) -> None:
    """Re-bill a client's encounters with a capped payer on one day, in the order they
    happened, so the cap is used up by the earliest. The caller holds the client's lock."""
    cap = payer.daily_unit_cap
    assert cap is not None
    used = 0
    day_encounters = (
        Encounter.objects.select_for_update()
        .filter(client_id=client_id, date=day, payer=payer)
        .select_related("payer", "peer")
        .order_by("start_time", "pk")
    )
    for enc in day_encounters:
        was = (enc.billable, enc.units, enc.amount)
        encounter_bill(enc, units_left_today=cap - used)
        used += enc.units
        enc.save(update_fields=BILLING_FIELDS)
        if (enc.billable, enc.units, enc.amount) != was:
            audit_record(
                actor=actor,
                organization=enc.organization,
                event=encounter_events.ENCOUNTER_REBILLED,
                subject=enc,
                data={"units": [was[1], enc.units], "reason": "daily cap shared"},
            )


def payer_rebill(
    *,
    payer: Payer,
    since: dt.date,
    actor: User | None,
    why: str,
    until: dt.date | None = None,
    rates: list[Rate] | None = None,
    ip_address: str | None = None,
) -> int:
    """Bill again, by the payer's current terms, its encounters dated from `since` up to
    (not including) `until`, in the order they happened so a daily cap is used up by the
    earliest. Every encounter whose billing changes gets an audit row with the units,
    amount and billable flag before and after. The caller holds the payer's lock; runs in
    its transaction; returns how many changed."""
    assert payer.organization_id is not None, "shared payers are never billed again here"
    encounters = Encounter.objects.filter(
        organization_id=payer.organization_id, payer=payer, date__gte=since
    )
    if until is not None:
        encounters = encounters.filter(date__lt=until)
    # Lock in one fixed order, then bill in the order the encounters happened.
    locked = list(encounters.select_for_update().order_by("pk"))
    locked.sort(key=lambda e: (e.client_id or 0, e.date, e.start_time, e.pk))
    by_start = sorted(
        rates if rates is not None else payer.rates.all(),
        key=lambda r: r.effective_from,
        reverse=True,
    )
    certifications: dict[int, list[Certification]] = defaultdict(list)
    for cert in Certification.objects.filter(
        profile__membership_id__in={e.peer_id for e in locked}
    ).select_related("profile"):
        certifications[cert.profile.membership_id].append(cert)
    cap = payer.daily_unit_cap
    used: dict[tuple[int, dt.date], int] = defaultdict(int)
    changed: list[tuple[Encounter, tuple[bool, int, Decimal]]] = []
    for enc in locked:
        enc.payer = payer
        was = (enc.billable, enc.units, enc.amount, enc.rate_id)
        day_key = (enc.client_id or 0, enc.date)
        capped = cap is not None and enc.client_id is not None
        encounter_bill(
            enc,
            units_left_today=cap - used[day_key] if capped and cap is not None else None,
            rate=next((r for r in by_start if r.effective_from <= enc.date), None),
            certified=any(c.is_active_on(enc.date) for c in certifications[enc.peer_id]),
        )
        if capped:
            used[day_key] += enc.units
        if (enc.billable, enc.units, enc.amount, enc.rate_id) != was:
            changed.append((enc, was[:3]))
    Encounter.objects.bulk_update([e for e, _ in changed], BILLING_FIELDS, batch_size=500)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                organization_id=enc.organization_id,
                event=encounter_events.ENCOUNTER_REBILLED,
                subject_type=enc._meta.label_lower,
                subject_id=str(enc.pk),
                ip_address=ip_address,
                data={
                    "reason": why,
                    "billable": [was[0], enc.billable],
                    "units": [was[1], enc.units],
                    "amount": [str(was[2]), str(enc.amount)],
                },
            )
            for enc, was in changed
        ],
        batch_size=500,
    )
    return len(changed)
