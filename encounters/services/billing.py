"""Billing an encounter by its payer's rules, and billing encounters again when what they
were billed on changes: a payer's rates or terms, a peer's certification history, or the
units a client's day shares under a daily cap. The rule itself is
`encounters.rules.billing_decision`; this module finds its inputs, on each encounter's own
date, and stores its outcome with an audit row per changed encounter."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from certification.selectors import PeerHistory, peer_histories
from certification.services import HistoryChange
from config.accounts.models import User
from encounters import events as encounter_events
from encounters import rules
from encounters.models import BillingTerms, Encounter, Payer, Rate
from programs.models import AuditEvent

BILLING_FIELDS = ["billable", "units", "amount", "not_billable_reason", "rate"]


@dataclass(frozen=True)
class TermsOnDay:
    requires_certification: bool
    daily_unit_cap: int | None


def terms_on(payer: Payer, day: dt.date, rows: Iterable[BillingTerms] | None = None) -> TermsOnDay:
    """The payer's terms in force on `day`: its dated terms, or its first terms (the
    payer's own fields) before any dated row."""
    row = rules.in_force_on(payer.terms.all() if rows is None else rows, day)
    source: BillingTerms | Payer = row if row is not None else payer
    return TermsOnDay(source.requires_certification, source.daily_unit_cap)


@dataclass
class _Inputs:
    """What billing reads, loaded once for many encounters: rates, terms, histories."""

    rates: dict[int, list[Rate]]
    terms: dict[int, list[BillingTerms]]
    histories: dict[int, PeerHistory]

    def terms_for(self, payer: Payer, day: dt.date) -> TermsOnDay:
        return terms_on(payer, day, self.terms.get(payer.pk, []))


def _inputs(
    payer_ids: set[int], peer_ids: set[int], rates: dict[int, list[Rate]] | None = None
) -> _Inputs:
    by_payer: dict[int, list[Rate]] = defaultdict(list)
    for rate in Rate.objects.filter(payer_id__in=payer_ids):
        by_payer[rate.payer_id].append(rate)
    by_payer.update(rates or {})
    terms: dict[int, list[BillingTerms]] = defaultdict(list)
    for row in BillingTerms.objects.filter(payer_id__in=payer_ids):
        terms[row.payer_id].append(row)
    return _Inputs(dict(by_payer), dict(terms), peer_histories(peer_ids))


def _bill(encounter: Encounter, inputs: _Inputs, *, units_left_today: int | None) -> None:
    payer = encounter.payer
    rate = rules.in_force_on(inputs.rates.get(payer.pk, []), encounter.date) if payer else None
    terms = inputs.terms_for(payer, encounter.date) if payer is not None else None
    standing = inputs.histories[encounter.peer_id].standing_on(encounter.date)
    decision = rules.billing_decision(
        minutes=encounter.duration_minutes,
        date=encounter.date,
        service_type=encounter.service_type,
        payer_name=payer.name if payer is not None else None,
        unit_rate=rate.unit_amount if rate is not None else None,
        unit_minutes=rate.unit_minutes if rate is not None else rules.UNIT_MINUTES,
        requires_certification=terms.requires_certification if terms is not None else True,
        peer_certified=standing.certified,
        lapsed_on=standing.lapsed_on,
        units_left_today=units_left_today,
    )
    encounter.billable = decision.billable
    encounter.units = decision.units
    encounter.amount = decision.amount
    encounter.not_billable_reason = decision.reason
    encounter.rate = rate if decision.billable else None


def encounter_bill(encounter: Encounter, *, units_left_today: int | None) -> TermsOnDay | None:
    """Set one encounter's billing from its payer's rate and terms and the peer's
    certification on its date; returns the payer's terms on that date (None: no payer)."""
    payer_ids = {encounter.payer_id} if encounter.payer_id else set()
    inputs = _inputs(payer_ids, {encounter.peer_id})
    _bill(encounter, inputs, units_left_today=units_left_today)
    payer = encounter.payer
    return inputs.terms_for(payer, encounter.date) if payer is not None else None


def _billing(enc: Encounter) -> tuple[Any, ...]:
    return (enc.billable, enc.units, enc.amount, enc.not_billable_reason, enc.rate_id)


def encounters_rebill(
    chosen: Q,
    *,
    actor: User | None,
    why: str,
    rates: dict[int, list[Rate]] | None = None,
    ip_address: str | None = None,
) -> int:
    """Bill again the encounters `chosen` picks, each on its own date, and with them every
    encounter sharing a capped client-day (a daily cap is used up by the earliest of the
    day, whoever logged it). Each encounter whose billing changes gets an audit row with
    billable, units, amount and reason before and after. Runs in the caller's transaction,
    locking the encounters in one fixed order; `rates` replaces a payer's rates (a rate
    being removed). Returns how many changed."""
    targets = list(
        Encounter.objects.filter(chosen).values_list("pk", "client_id", "date", "payer_id")
    )
    if not targets:
        return 0
    payers = {p.pk: p for p in Payer.objects.filter(pk__in={t[3] for t in targets if t[3]})}
    # Which capped client-days are touched: only the terms are needed for that.
    inputs = _inputs(set(payers), set())
    days = {
        (client, day, payer)
        for _, client, day, payer in targets
        if client and payer and inputs.terms_for(payers[payer], day).daily_unit_cap is not None
    }
    ids = {t[0] for t in targets}
    if days:
        for pk, client, day, payer in Encounter.objects.filter(
            client_id__in={d[0] for d in days},
            date__in={d[1] for d in days},
            payer_id__in={d[2] for d in days},
        ).values_list("pk", "client_id", "date", "payer_id"):
            if (client, day, payer) in days:
                ids.add(pk)
    locked = list(
        Encounter.objects.filter(pk__in=ids).select_for_update(of=("self",)).order_by("pk")
    )
    # Read what billing depends on again once the encounters are locked: a change that
    # committed while this one waited for them is then seen, not overwritten.
    inputs = _inputs(set(payers), {e.peer_id for e in locked}, rates)
    locked.sort(key=lambda e: (e.client_id or 0, e.date, e.start_time, e.pk))
    used: dict[tuple[int, dt.date, int], int] = defaultdict(int)
    changed: list[tuple[Encounter, tuple[Any, ...]]] = []
    for enc in locked:
        enc.payer = payers.get(enc.payer_id) if enc.payer_id else None
        was = _billing(enc)
        key = (enc.client_id or 0, enc.date, enc.payer_id or 0)
        cap = (
            inputs.terms_for(enc.payer, enc.date).daily_unit_cap
            if enc.payer is not None and enc.client_id
            else None
        )
        _bill(enc, inputs, units_left_today=None if cap is None else cap - used[key])
        if cap is not None:
            used[key] += enc.units
        if _billing(enc) != was:
            changed.append((enc, was))
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
                    "not_billable_reason": [was[3], enc.not_billable_reason],
                },
            )
            for enc, was in changed
        ],
        batch_size=500,
    )
    return len(changed)


def client_day_rebill(*, client_id: int, day: dt.date, payer: Payer, actor: User | None) -> None:
    """Share a capped client-day's units again, in the order the encounters happened. The
    caller holds the client's lock."""
    encounters_rebill(
        Q(client_id=client_id, date=day, payer=payer), actor=actor, why="daily cap shared"
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
    """Bill again the payer's encounters dated from `since` up to (not including) `until`,
    by the rates and terms in force on each one's date. The caller holds the payer's lock;
    returns how many changed."""
    assert payer.organization_id is not None, "shared payers are never billed again here"
    chosen = Q(organization_id=payer.organization_id, payer=payer, date__gte=since)
    if until is not None:
        chosen &= Q(date__lt=until)
    return encounters_rebill(
        chosen,
        actor=actor,
        why=why,
        rates={payer.pk: rates} if rates is not None else None,
        ip_address=ip_address,
    )


def peer_history_rebill(change: HistoryChange) -> int:
    """Bill again the peer's encounters on exactly the days whose certification standing
    (certified, or lapsed from which day) the change altered."""
    days = [
        day
        for day in Encounter.objects.filter(peer_id=change.membership_id)
        .exclude(payer=None)
        .values_list("date", flat=True)
        .distinct()
        if change.before.standing_on(day) != change.after.standing_on(day)
    ]
    if not days:
        return 0
    return encounters_rebill(
        Q(peer_id=change.membership_id, date__in=days),
        actor=change.actor,
        why=change.why,
        ip_address=change.ip_address,
    )
