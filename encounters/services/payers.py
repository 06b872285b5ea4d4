"""Writes for an organization's payers and their rates; each change bills the encounters
it touches again (`encounters.services.billing.payer_rebill`). Shared payers (Medicaid)
belong to the platform and are not changed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.accounts.models import User
from encounters import events as encounter_events
from encounters.models import BillingTerms, Payer, Rate
from encounters.rules import UNIT_MINUTES
from encounters.services.billing import payer_rebill, terms_on
from programs.audit import audit_record
from programs.models import Organization

MAX_DAILY_CAP = 96  # 24 hours of 15-minute units
MAX_UNIT_MINUTES = 60
EARLIEST = dt.date(2000, 1, 1)

CODE_TAKEN = "Another payer here already uses this code."
CODE_SHARED = "“{code}” is the shared {name} payer; choose another code."
NAME_TAKEN = "Another payer here already has this name."
SHARED_PAYER = "Shared payers are kept by PeerPath and cannot be changed here."
AMOUNT_RANGE = "Enter the amount paid per unit, more than $0 and under $10,000."
UNIT_MINUTES_RANGE = f"A unit is from 1 to {MAX_UNIT_MINUTES} minutes."
CAP_RANGE = f"Enter from 1 to {MAX_DAILY_CAP} units a day, or leave it blank for no limit."
LAST_RATE = (
    "This is the payer's only rate; to change its amount, add it again with the same start date."
)
NAME_SHARED = "This is the name of a shared payer; choose another so peers can tell them apart."
DATE_RANGE = f"Choose a date from {EARLIEST.year} up to a year from today."
UNIT_CHANGES_CAP = (
    "This payer limits units per client per day, and units of another length would change "
    "what that limit means. Clear or change the daily limit first."
)
REBILL_DAY_NEEDED = (
    "Say from which day the new certification rule or daily limit applies; encounters from "
    "then on are billed again."
)


@dataclass(frozen=True)
class PayerTerms:
    """What an organization sets for one of its payers."""

    name: str
    requires_certification: bool = True
    daily_unit_cap: int | None = None
    is_active: bool = True


@dataclass(frozen=True)
class RateTerms:
    effective_from: dt.date
    unit_amount: Decimal
    unit_minutes: int = UNIT_MINUTES


def _check_payer(
    organization: Organization, code: str | None, terms: PayerTerms, pk: int | None
) -> None:
    errors: dict[str, str] = {}
    own = Payer.objects.filter(organization=organization)
    if pk is not None:
        own = own.exclude(pk=pk)
    if code is not None:
        shared = Payer.objects.filter(organization__isnull=True, code=code).first()
        if shared is not None:
            errors["code"] = CODE_SHARED.format(code=code, name=shared.name)
        elif own.filter(code=code).exists():
            errors["code"] = CODE_TAKEN
    name = terms.name.strip()
    if Payer.objects.filter(organization__isnull=True, name__iexact=name).exists():
        errors["name"] = NAME_SHARED
    elif own.filter(name__iexact=name).exists():
        errors["name"] = NAME_TAKEN
    cap = terms.daily_unit_cap
    if cap is not None and not 1 <= cap <= MAX_DAILY_CAP:
        errors["daily_unit_cap"] = CAP_RANGE
    if errors:
        raise ValidationError(errors)


def _check_day(day: dt.date, field: str, today: dt.date) -> None:
    if not EARLIEST <= day <= today + dt.timedelta(days=366):
        raise ValidationError({field: DATE_RANGE})


def _check_rate(terms: RateTerms, today: dt.date) -> None:
    _check_day(terms.effective_from, "effective_from", today)
    errors: dict[str, str] = {}
    if not Decimal(0) < terms.unit_amount < Decimal(10000):
        errors["unit_amount"] = AMOUNT_RANGE
    if not 1 <= terms.unit_minutes <= MAX_UNIT_MINUTES:
        errors["unit_minutes"] = UNIT_MINUTES_RANGE
    if errors:
        raise ValidationError(errors)


def _payer_terms(payer: Payer) -> dict[str, object]:
    return {
        "name": payer.name,
        "requires_certification": payer.requires_certification,
        "daily_unit_cap": payer.daily_unit_cap,
        "is_active": payer.is_active,
    }


def _rate_terms(rate: Rate) -> dict[str, object]:
    return {
        "from": rate.effective_from.isoformat(),
        "unit_amount": str(rate.unit_amount),
        "unit_minutes": rate.unit_minutes,
    }


def payer_create(
    *,
    organization: Organization,
    actor: User | None,
    code: str,
    terms: PayerTerms,
    first_rate: RateTerms,
    ip_address: str | None = None,
) -> Payer:
    """Add one of the organization's own payers with its first rate. The very same payer
    sent again (a double tap) returns the one already added; a different one with that
    code is refused."""
    code = code.strip().lower()
    try:
        with transaction.atomic():
            return _create_payer(organization, actor, code, terms, first_rate, ip_address)
    except (IntegrityError, ValidationError) as exc:
        existing = Payer.objects.filter(organization=organization, code=code).first()
        if existing is not None and _same_payer(existing, terms, first_rate):
            return existing
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError({"code": CODE_TAKEN}) from exc


def _same_payer(payer: Payer, terms: PayerTerms, rate: RateTerms) -> bool:
    first = payer.rates.order_by("effective_from").first()
    return (
        _payer_terms(payer) == {**terms.__dict__, "name": terms.name.strip()}
        and first is not None
        and (first.effective_from, first.unit_amount, first.unit_minutes)
        == (rate.effective_from, rate.unit_amount, rate.unit_minutes)
    )


def _create_payer(
    organization: Organization,
    actor: User | None,
    code: str,
    terms: PayerTerms,
    first_rate: RateTerms,
    ip_address: str | None,
) -> Payer:
    _check_payer(organization, code, terms, None)
    _check_rate(first_rate, organization.today())
    payer = Payer.objects.create(
        organization=organization,
        code=code,
        name=terms.name.strip(),
        requires_certification=terms.requires_certification,
        daily_unit_cap=terms.daily_unit_cap,
        is_active=terms.is_active,
    )
    BillingTerms.objects.create(
        payer=payer,
        effective_from=EARLIEST,
        requires_certification=terms.requires_certification,
        daily_unit_cap=terms.daily_unit_cap,
        created_by=actor,
    )
    rate = Rate.objects.create(
        payer=payer,
        effective_from=first_rate.effective_from,
        unit_amount=first_rate.unit_amount,
        unit_minutes=first_rate.unit_minutes,
    )
    audit_record(
        actor=actor,
        organization=organization,
        event=encounter_events.PAYER_CREATED,
        subject=payer,
        ip_address=ip_address,
        data={"code": code, **_payer_terms(payer), "rate": _rate_terms(rate)},
    )
    return payer


def _own(payer: Payer) -> Payer:
    """The payer, locked; shared payers are refused."""
    if payer.organization_id is None:
        raise ValidationError(SHARED_PAYER)
    return Payer.objects.select_for_update().get(pk=payer.pk)


def _ensure_first_terms(payer: Payer) -> None:
    """A payer made before terms had dates gets its first terms as a row from EARLIEST,
    so a change from a later day leaves the days before it as they were."""
    if not payer.terms.exists():
        BillingTerms.objects.create(
            payer=payer,
            effective_from=EARLIEST,
            requires_certification=payer.requires_certification,
            daily_unit_cap=payer.daily_unit_cap,
        )


def _ever_capped(payer: Payer) -> bool:
    return payer.daily_unit_cap is not None or payer.terms.exclude(daily_unit_cap=None).exists()


@transaction.atomic
def payer_update(
    *,
    payer: Payer,
    actor: User | None,
    terms: PayerTerms,
    rebill_from: dt.date | None = None,
    ip_address: str | None = None,
) -> tuple[Payer, int]:
    """Change an own payer's name, whether it is offered, or its billing terms from a day
    on. The certification rule and the daily cap are dated, as rates are: new terms from
    `rebill_from` apply until the next dated terms, and exactly the encounters in that span
    are billed again, each by the terms of its own date. Returns the payer and how many
    encounters were re-billed."""
    payer = _own(payer)
    assert payer.organization is not None
    today = payer.organization.today()
    _check_payer(payer.organization, None, terms, payer.pk)
    if rebill_from is not None:
        _check_day(rebill_from, "rebill_from", today)
    in_force = terms_on(payer, rebill_from or today)
    before = {
        "name": payer.name,
        "is_active": payer.is_active,
        "requires_certification": in_force.requires_certification,
        "daily_unit_cap": in_force.daily_unit_cap,
    }
    after = {
        "name": terms.name.strip(),
        "is_active": terms.is_active,
        "requires_certification": terms.requires_certification,
        "daily_unit_cap": terms.daily_unit_cap,
    }
    changed = [f for f in before if before[f] != after[f]]
    if not changed:
        return payer, 0
    billing_changed = bool({"requires_certification", "daily_unit_cap"} & set(changed))
    if billing_changed and rebill_from is None:
        raise ValidationError({"rebill_from": REBILL_DAY_NEEDED})
    if terms.daily_unit_cap is not None and len(set(payer.rates.values_list("unit_minutes"))) > 1:
        raise ValidationError({"daily_unit_cap": UNIT_CHANGES_CAP})
    payer.name = terms.name.strip()
    payer.is_active = terms.is_active
    payer.save(update_fields=["name", "is_active"])
    rebilled = 0
    if billing_changed and rebill_from is not None:
        _ensure_first_terms(payer)
        BillingTerms.objects.update_or_create(
            payer=payer,
            effective_from=rebill_from,
            defaults={
                "requires_certification": terms.requires_certification,
                "daily_unit_cap": terms.daily_unit_cap,
                "created_by": actor,
            },
        )
        until = (
            payer.terms.filter(effective_from__gt=rebill_from)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        rebilled = payer_rebill(
            payer=payer,
            since=rebill_from,
            until=until,
            actor=actor,
            why="payer terms",
            ip_address=ip_address,
        )
    audit_record(
        actor=actor,
        organization=payer.organization,
        event=encounter_events.PAYER_UPDATED,
        subject=payer,
        ip_address=ip_address,
        data={
            "fields": changed,
            "before": {f: before[f] for f in changed},
            "after": {f: after[f] for f in changed},
            "rebilled": rebilled,
            **({"from": rebill_from.isoformat()} if rebill_from and billing_changed else {}),
        },
    )
    return payer, rebilled


@transaction.atomic
def rate_add(
    *,
    payer: Payer,
    actor: User | None,
    terms: RateTerms,
    ip_address: str | None = None,
) -> tuple[Rate, int]:
    """Give an own payer a rate from a date on; its encounters from that date until the
    next rate starts are billed again at it. A rate from a day that already has one
    corrects it. The same rate sent twice lands once."""
    payer = _own(payer)
    assert payer.organization is not None
    _check_rate(terms, payer.organization.today())
    if (
        _ever_capped(payer)
        and payer.rates.exclude(unit_minutes=terms.unit_minutes)
        .exclude(effective_from=terms.effective_from)
        .exists()
    ):
        raise ValidationError({"unit_minutes": UNIT_CHANGES_CAP})
    rate = payer.rates.filter(effective_from=terms.effective_from).first()
    before = _rate_terms(rate) if rate is not None else None
    if rate is not None:
        if (rate.unit_amount, rate.unit_minutes) == (terms.unit_amount, terms.unit_minutes):
            return rate, 0
        rate.unit_amount, rate.unit_minutes = terms.unit_amount, terms.unit_minutes
        rate.save(update_fields=["unit_amount", "unit_minutes"])
    else:
        rate = Rate.objects.create(
            payer=payer,
            effective_from=terms.effective_from,
            unit_amount=terms.unit_amount,
            unit_minutes=terms.unit_minutes,
        )
    rebilled = payer_rebill(
        payer=payer,
        since=terms.effective_from,
        until=_next_start(rate),
        actor=actor,
        why="rate corrected" if before else "new rate",
        ip_address=ip_address,
    )
    audit_record(
        actor=actor,
        organization=payer.organization,
        event=encounter_events.RATE_CORRECTED if before else encounter_events.RATE_CREATED,
        subject=rate,
        ip_address=ip_address,
        data={
            "payer": payer.code,
            **({"before": before} if before else {}),
            "after": _rate_terms(rate),
            "rebilled": rebilled,
        },
    )
    return rate, rebilled


def _next_start(rate: Rate) -> dt.date | None:
    return (
        Rate.objects.filter(payer_id=rate.payer_id, effective_from__gt=rate.effective_from)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )


@transaction.atomic
def rate_remove(*, rate: Rate, actor: User | None, ip_address: str | None = None) -> int | None:
    """Take back a rate entered by mistake: its encounters are billed again at the rate
    before it, or not billed when there is none. Returns how many changed, or None when
    the rate was already removed (a second tap)."""
    payer = _own(rate.payer)
    current = payer.rates.filter(pk=rate.pk).first()
    if current is None:
        return None
    if not payer.rates.exclude(pk=current.pk).exists():
        raise ValidationError(LAST_RATE)
    since, until = current.effective_from, _next_start(current)
    remaining = list(payer.rates.exclude(pk=current.pk))
    rebilled = payer_rebill(
        payer=payer,
        since=since,
        until=until,
        actor=actor,
        rates=remaining,
        why="rate removed",
        ip_address=ip_address,
    )
    audit_record(
        actor=actor,
        organization=payer.organization,
        event=encounter_events.RATE_REMOVED,
        subject=current,
        ip_address=ip_address,
        data={"payer": payer.code, **_rate_terms(current), "rebilled": rebilled},
    )
    current.delete()
    return rebilled
