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
    YesNo,
)
from encounters.rules import in_force_on
from encounters.survey_privacy import (
    QUESTION_NAMES,
    QUESTIONS,
    SurveyDisclosure,
    answered,
    survey_disclosure,
    survey_responses,
)
from programs.access import Capability, can, rule_for, supervisee_ids
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
    """Survey figures for one month, over one program or all the member may see. A
    question's figures are given only when survey_privacy allows them; `withheld` says why
    for the others (by question). The counts of answers and encounters are always given."""

    encounters: int
    responses: int
    withheld: dict[str, str] = field(default_factory=dict)
    answered: tuple[str, ...] = ()  # the questions someone answered
    satisfaction_mean: Decimal | None = None
    satisfaction_counts: list[tuple[int, int]] = field(default_factory=list)
    wellbeing_mean: Decimal | None = None
    alternatives: list[tuple[str, str, int]] = field(default_factory=list)
    other_services_yes: int | None = None
    other_services_answered: int | None = None
    relapse_yes: int | None = None
    relapse_answered: int | None = None

    @property
    def shown(self) -> bool:
        """Whether the figures of at least one answered question are shown."""
        return any(q not in self.withheld for q in self.answered)

    @property
    def withheld_notes(self) -> list[tuple[str, str]]:
        """(question, why its figures are withheld), for the page."""
        return [(QUESTION_NAMES[q], why) for q, why in self.withheld.items()]

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

    Only whole months and whole programs can be chosen, never a free date range or a peer,
    and each question's figures are shown or withheld by survey_privacy on the month's
    cells (program x question), as in every report: "all programs" is withheld for a
    question whenever one program's cell of it is."""
    start = dt.date(year, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    organization = membership.organization
    programs = Program.objects.for_member(membership)
    if not can(membership, Capability.VIEW_SURVEY_RESULTS):
        programs = programs.none()  # peers and supervisors get no survey figures
    if program is not None:
        programs = programs.filter(pk=program.pk)
    encounters = Encounter.objects.filter(
        organization=organization, program__in=programs, date__gte=start, date__lte=end
    ).count()
    return survey_summary(
        encounters=encounters,
        responses=survey_responses(organization, start=start, end=end, programs=programs),
        disclosure=survey_disclosure(organization, start=start, end=end, programs=programs),
    )


def survey_summary(
    *,
    encounters: int,
    responses: QuerySet[SurveyResponse],
    disclosure: SurveyDisclosure,
) -> SurveySummary:
    """The figures of `responses` (whole cells, from survey_responses) that `disclosure`
    allows, in one query whatever the number of answers."""
    agg = responses.order_by().aggregate(
        n=Count("pk"),
        sat=Avg("satisfaction"),
        well=Avg("wellbeing"),
        os_yes=Count("pk", filter=Q(other_services=YesNo.YES)),
        os_n=Count("pk", filter=answered("other_services")),
        rel_yes=Count("pk", filter=Q(relapse=YesNo.YES)),
        rel_n=Count("pk", filter=answered("relapse")),
        **{f"sat_{s}": Count("pk", filter=Q(satisfaction=s)) for s in range(1, 6)},
        **{f"alt_{code}": Count("pk", filter=Q(alternative=code)) for code in Alternative.values},
    )
    withheld = {q: why for q in QUESTIONS if (why := disclosure.reason(q))}

    def mean(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))

    def given(question: str, value: Any) -> Any:
        return None if question in withheld else value

    return SurveySummary(
        encounters=encounters,
        responses=agg["n"],
        withheld=withheld,
        answered=tuple(q for q in QUESTIONS if disclosure.answered(q)),
        satisfaction_mean=given("satisfaction", mean(agg["sat"])),
        satisfaction_counts=given("satisfaction", [(s, agg[f"sat_{s}"]) for s in range(1, 6)])
        or [],
        wellbeing_mean=given("wellbeing", mean(agg["well"])),
        alternatives=given(
            "alternative",
            [(code, label, agg[f"alt_{code}"]) for code, label in Alternative.choices],
        )
        or [],
        other_services_yes=given("other_services", agg["os_yes"]),
        other_services_answered=given("other_services", agg["os_n"]),
        relapse_yes=given("relapse", agg["rel_yes"]),
        relapse_answered=given("relapse", agg["rel_n"]),
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
    from_the_start: bool  # the payer's first terms, in force before any dated change


def terms_history(payer: Payer) -> list[TermsRow]:
    """The payer's dated billing terms, newest first, each with the day it ran until."""
    rows = list(payer.terms.order_by("-effective_from"))
    out: list[TermsRow] = []
    next_start: dt.date | None = None
    for i, row in enumerate(rows):
        until = next_start - dt.timedelta(days=1) if next_start else None
        out.append(TermsRow(row, until, from_the_start=i == len(rows) - 1))
        next_start = row.effective_from
    return out


# --- What needs doing (the home page's "Needs you") ---------------------------------------
def not_billable_q(code: str) -> Q:
    """The not-billable encounters whose reason is `code` (rules.NOT_BILLABLE_REASONS, or
    "other" for a reason none of them words)."""
    from encounters.rules import NOT_BILLABLE_REASONS, not_billable_pattern

    known = {
        r.code: Q(not_billable_reason__regex=not_billable_pattern(r.template))
        for r in NOT_BILLABLE_REASONS
    }
    if code in known:
        return Q(billable=False) & known[code]
    other = Q(billable=False)
    for q in known.values():
        other &= ~q
    return other


def not_billable_counts(encounters: QuerySet[Encounter]) -> dict[str, int]:
    """How many of `encounters` did not bill, by reason code, in one query (only the
    reasons with at least one)."""
    from encounters.rules import NOT_BILLABLE_REASONS, OTHER_REASON

    codes = [r.code for r in NOT_BILLABLE_REASONS] + [OTHER_REASON.code]
    counts = encounters.filter(billable=False).aggregate(
        **{code: Count("pk", filter=not_billable_q(code)) for code in codes}
    )
    return {code: n for code, n in counts.items() if n}


def incomplete_notes_q() -> Q:
    """An encounter whose note (data, assessment, plan) is not all written."""
    return Q(note_data="") | Q(note_assessment="") | Q(note_plan="")


def surveys_not_offered(peer: Membership, *, since: dt.date) -> QuerySet[Encounter]:
    """The peer's encounters with a client since `since` whose survey was never offered
    (no link made, no answer), newest first."""
    return (
        Encounter.objects.filter(peer=peer, client__isnull=False, date__gte=since)
        .exclude(Exists(SurveyLink.objects.filter(encounter=OuterRef("pk"))))
        .exclude(Exists(SurveyResponse.objects.filter(encounter=OuterRef("pk"))))
        .order_by("-date", "-start_time", "-pk")
    )


def payers_without_current_rate(organization: Organization, *, today: dt.date) -> QuerySet[Payer]:
    """The organization's own payers with no rate in force today (none started on or
    before it): encounters billed to them do not bill."""
    started = Rate.objects.filter(payer=OuterRef("pk"), effective_from__lte=today)
    return (
        Payer.objects.filter(organization=organization, is_active=True)
        .exclude(Exists(started))
        .order_by("name")
    )
