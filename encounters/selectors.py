"""Reads for clients, encounters, rates and survey figures, and who may see which."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from encounters.models import (
    Alternative,
    BillingTerms,
    Client,
    Encounter,
    Payer,
    Rate,
    SurveyLink,
    SurveyResponse,
)
from encounters.rules import in_force_on
from programs.access import rule_for, supervisee_ids
from programs.models import Membership, Organization, Program, Role


@rule_for(Client)
def _clients_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A peer sees own clients; a supervisor the clients of the peers they supervise under
    an agreement in force; a manager their programs' clients; an admin all."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PEER_SUPPORTER:
        return qs.filter(assigned_peer=membership)
    if membership.role == Role.CLINICAL_SUPERVISOR:
        return qs.filter(assigned_peer__in=supervisee_ids(membership))
    return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))


@rule_for(Encounter)
def _encounters_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A peer sees own encounters; a supervisor their supervisees'; a manager their
    programs'; an admin all."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PEER_SUPPORTER:
        return qs.filter(peer=membership)
    if membership.role == Role.CLINICAL_SUPERVISOR:
        return qs.filter(peer__in=supervisee_ids(membership))
    return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))


@rule_for(SurveyResponse)
def _responses_countable(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """Responses are only ever aggregated, over the encounters the member may see; peers
    get none, so no figure can be tied to their own clients."""
    if membership.role == Role.PEER_SUPPORTER:
        return qs.none()
    return qs.filter(encounter__in=Encounter.objects.for_member(membership).values("pk"))


@rule_for(SurveyLink)
def _links_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(encounter__in=Encounter.objects.for_member(membership).values("pk"))


def may_see_identity(membership: Membership, client: Client) -> bool:
    """A client's name and contact are for the assigned peer, managers and admins; others
    (supervisors) work with the pseudonymous code."""
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return True
    return client.assigned_peer_id == membership.pk


@dataclass(frozen=True)
class EncounterTotals:
    encounters: int
    clients: int
    minutes: int
    units: int
    amount: Decimal
    not_billable: int

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))


def encounter_totals(encounters: QuerySet[Encounter]) -> EncounterTotals:
    """Counts, hours, billable units and amount of a list of encounters, in one query.
    Only billable encounters carry units and amount (they are zero otherwise)."""
    row = encounters.order_by().aggregate(
        n=Count("pk"),
        clients=Count("client", distinct=True),
        minutes=Coalesce(Sum("duration_minutes"), 0),
        units=Coalesce(Sum("units", filter=Q(billable=True)), 0),
        amount=Coalesce(
            Sum("amount", filter=Q(billable=True)), Decimal(0), output_field=DecimalField()
        ),
        not_billable=Count("pk", filter=Q(billable=False)),
    )
    return EncounterTotals(
        encounters=row["n"],
        clients=row["clients"],
        minutes=row["minutes"],
        units=row["units"],
        amount=row["amount"],
        not_billable=row["not_billable"],
    )


def encounters_for_listing(membership: Membership) -> QuerySet[Encounter]:
    return (
        Encounter.objects.for_member(membership)
        .select_related("client", "peer__user", "payer", "program")
        .annotate(surveyed=Exists(SurveyResponse.objects.filter(encounter=OuterRef("pk"))))
    )


def clients_for_listing(membership: Membership) -> QuerySet[Client]:
    """Visible clients with their last encounter date, in one query."""
    return (
        Client.objects.for_member(membership)
        .select_related("assigned_peer__user", "program")
        .annotate(last_seen=Max("encounters__date"), encounter_count=Count("encounters"))
        .order_by("assigned_peer__user__last_name", "code")
    )


@dataclass(frozen=True)
class SurveySummary:
    """Survey figures over a set of encounters. With fewer than SURVEY_MIN_RESPONSES
    answers only the counts are given, so no figure can be traced to one person."""

    encounters: int
    responses: int
    shown: bool
    satisfaction_mean: Decimal | None = None
    satisfaction_counts: list[tuple[int, int]] = field(default_factory=list)
    wellbeing_mean: Decimal | None = None
    alternatives: list[tuple[str, str, int]] = field(default_factory=list)
    other_services_yes: int = 0
    other_services_answered: int = 0
    relapse_yes: int = 0
    relapse_answered: int = 0

    @property
    def response_rate(self) -> Decimal | None:
        if not self.encounters:
            return None
        return (Decimal(100) * self.responses / self.encounters).quantize(Decimal("0.1"))

    @property
    def minimum(self) -> int:
        return int(settings.SURVEY_MIN_RESPONSES)


def survey_month(
    membership: Membership, *, year: int, month: int, program: Program | None = None
) -> SurveySummary:
    """Survey figures for one calendar month, for one program or all the member may see.

    Only whole months and programs can be chosen, never a free date range or a peer: two
    overlapping selections could otherwise be subtracted to reveal one person's answers.
    For the same reason all programs together are shown only when no single program of the
    month falls below the minimum."""
    encounters = Encounter.objects.for_member(membership).filter(date__year=year, date__month=month)
    if program is not None:
        encounters = encounters.filter(program=program)
    summary = survey_summary(encounters)
    if summary.shown and program is None:
        per_program = (
            SurveyResponse.objects.filter(encounter__in=encounters.values("pk"))
            .order_by()
            .values("encounter__program")
            .annotate(n=Count("pk"))
        )
        if any(0 < row["n"] < settings.SURVEY_MIN_RESPONSES for row in per_program):
            return SurveySummary(
                encounters=summary.encounters, responses=summary.responses, shown=False
            )
    return summary


def survey_summary(encounters: QuerySet[Encounter]) -> SurveySummary:
    """Aggregates only, in a fixed number of queries whatever the number of answers."""
    total = encounters.order_by().count()
    responses = SurveyResponse.objects.filter(
        encounter__in=encounters.order_by().values("pk")
    ).order_by()
    n = responses.count()
    if n < settings.SURVEY_MIN_RESPONSES:
        return SurveySummary(encounters=total, responses=n, shown=False)
    agg = responses.aggregate(
        sat=Avg("satisfaction"),
        well=Avg("wellbeing"),
        os_yes=Count("pk", filter=Q(other_services="yes")),
        os_n=Count("pk", filter=Q(other_services__in=["yes", "no"])),
        rel_yes=Count("pk", filter=Q(relapse="yes")),
        rel_n=Count("pk", filter=Q(relapse__in=["yes", "no"])),
    )
    sat_counts = dict(
        responses.exclude(satisfaction=None)
        .values_list("satisfaction")
        .annotate(c=Count("pk"))
        .values_list("satisfaction", "c")
    )
    alt_counts = dict(
        responses.exclude(alternative="")
        .values_list("alternative")
        .annotate(c=Count("pk"))
        .values_list("alternative", "c")
    )

    def mean(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))

    return SurveySummary(
        encounters=total,
        responses=n,
        shown=True,
        satisfaction_mean=mean(agg["sat"]),
        satisfaction_counts=[(s, sat_counts.get(s, 0)) for s in range(1, 6)],
        wellbeing_mean=mean(agg["well"]),
        alternatives=[
            (code, label, alt_counts.get(code, 0)) for code, label in Alternative.choices
        ],
        other_services_yes=agg["os_yes"],
        other_services_answered=agg["os_n"],
        relapse_yes=agg["rel_yes"],
        relapse_answered=agg["rel_n"],
    )


def rate_on(payer: Payer, day: dt.date) -> Rate | None:
    """The payer's rate in force on `day` (the latest one starting on or before it)."""
    return payer.rates.filter(effective_from__lte=day).order_by("-effective_from").first()


@dataclass(frozen=True)
class RateRow:
    rate: Rate
    until: dt.date | None  # the day before the next rate starts; None while in force
    encounters: int  # the organization's encounters billed at this rate
    amount: Decimal


def payers_with_rates(organization: Organization, *, only: Payer | None = None) -> list[Payer]:
    """The shared payers and the organization's own (or `only` one), each with `rate_rows`
    (newest first), `is_shared`, `current` (the rate in force today) and `terms_today`
    (the billing terms in force today), in four queries."""
    today = organization.today()
    chosen = Payer.objects.filter(Q(organization__isnull=True) | Q(organization=organization))
    if only is not None:
        chosen = chosen.filter(pk=only.pk)
    payers = list(chosen.prefetch_related("rates", "terms").order_by("organization_id", "name"))
    billed = {
        row["rate_id"]: (row["n"], row["amount"])
        for row in Encounter.objects.filter(
            organization=organization, rate__isnull=False, payer__in=[p.pk for p in payers]
        )
        .values("rate_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    for payer in payers:
        rates = sorted(payer.rates.all(), key=lambda r: r.effective_from, reverse=True)
        rows: list[RateRow] = []
        next_start: dt.date | None = None
        for rate in rates:
            n, amount = billed.get(rate.pk, (0, Decimal(0)))
            until = next_start - dt.timedelta(days=1) if next_start else None
            rows.append(RateRow(rate, until, n, amount))
            next_start = rate.effective_from
        payer.rate_rows = rows  # type: ignore[attr-defined]
        payer.is_shared = payer.organization_id is None  # type: ignore[attr-defined]
        payer.current = next(  # type: ignore[attr-defined]
            (r for r in rates if r.effective_from <= today), None
        )
        in_force = in_force_on(payer.terms.all(), today)
        payer.terms_today = in_force or payer  # type: ignore[attr-defined]
    return payers


def shared_payer(code: str) -> Payer | None:
    return Payer.objects.filter(organization__isnull=True, code=code).first()


def caseloads(program: Program, *, today: dt.date) -> QuerySet[Membership]:
    """The program's active peer supporters, each with `active_clients` in this program,
    in one query."""
    active = Q(
        clients__program=program,
        clients__enrolled_on__lte=today,
    ) & (Q(clients__discharged_on__isnull=True) | Q(clients__discharged_on__gt=today))
    return (
        Membership.objects.filter(programs=program, role=Role.PEER_SUPPORTER, is_active=True)
        .select_related("user", "peer_profile")
        .annotate(active_clients=Count("clients", filter=active, distinct=True))
        .order_by("user__last_name", "user__first_name")
    )


@dataclass(frozen=True)
class TermsRow:
    terms: BillingTerms
    until: dt.date | None  # the day before the next terms start; None while in force


def terms_history(payer: Payer) -> list[TermsRow]:
    """The payer's dated billing terms, newest first, each with the day it ran until."""
    rows = list(payer.terms.order_by("-effective_from"))
    out, next_start = [], None
    for row in rows:
        out.append(TermsRow(row, next_start - dt.timedelta(days=1) if next_start else None))
        next_start = row.effective_from
    return out
