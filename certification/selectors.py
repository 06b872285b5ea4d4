"""Reads for certification: who may see which records, CEU standing, the team view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from certification import rules
from certification.models import (
    Certification,
    CertificationStatus,
    CeuEntry,
    ChecklistItem,
    PeerProfile,
)
from programs.access import rule_for
from programs.models import Membership, Role


@rule_for(PeerProfile)
def _profiles_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    # Exactly the people whose membership the viewer may see (programs.selectors).
    return qs.filter(membership__in=Membership.objects.for_member(membership))


def _through_profile(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(profile__in=PeerProfile.objects.for_member(membership))


for _model in (Certification, ChecklistItem, CeuEntry):
    rule_for(_model)(_through_profile)


@dataclass(frozen=True)
class PeerHistory:
    """A peer's certifications as history (terms and recorded lapses), to ask whether they
    were certified on any day without another query."""

    certifications: tuple[tuple[tuple[rules.Term, ...], tuple[rules.RecordedLapse, ...]], ...]

    def standing_on(self, day: dt.date) -> rules.DayStanding:
        return rules.peer_certification_on(
            day,
            (rules.certification_on(day, terms=t, lapses=lp) for t, lp in self.certifications),
        )


def _history_of(certs: list[Certification]) -> PeerHistory:
    return PeerHistory(tuple((tuple(c.terms()), tuple(c.recorded_lapses())) for c in certs))


def peer_histories(membership_ids: Any) -> dict[int, PeerHistory]:
    """Each peer's certification history, in three queries whatever their number."""
    mine: dict[int, list[Certification]] = {}
    for cert in (
        Certification.objects.filter(profile__membership_id__in=membership_ids)
        .select_related("profile")
        .prefetch_related("renewals", "lapses")
    ):
        mine.setdefault(cert.profile.membership_id, []).append(cert)
    return {pk: _history_of(mine.get(pk, [])) for pk in membership_ids}


def peer_history(membership_id: int) -> PeerHistory:
    return peer_histories([membership_id])[membership_id]


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # issued, renewed, lapsed, lapse_recorded
    starts_on: dt.date
    ends_on: dt.date | None  # the last day (inclusive); None while it runs on
    note: str = ""
    lapse: Any = None  # the recorded Lapse, for the actions on it
    withdrawn: bool = False


def certification_timeline(cert: Certification, *, today: dt.date) -> list[HistoryEntry]:
    """A certification's life in date order: its terms, the gaps between them (a lapse
    by the dates, recorded or not) and the lapses someone recorded, withdrawn ones marked."""
    entries = [HistoryEntry("issued", cert.issued_on, cert.expires_on)]
    for r in cert.renewals.all():
        recorded = r.created_at.date()
        late = recorded > r.effective_on
        note = f"recorded {recorded:%b %-d, %Y}" if late else ""
        entries.append(HistoryEntry("renewed", r.effective_on, r.expires_on, note))
    terms = cert.terms()
    covered_to: dt.date | None = None  # the last day covered by the terms so far
    for term in terms:
        if covered_to is not None and covered_to < term.starts_on - dt.timedelta(days=1):
            gap = (covered_to + dt.timedelta(days=1), term.starts_on - dt.timedelta(days=1))
            entries.append(HistoryEntry("lapsed", *gap))
        end = dt.date.max if term.expires_on is None else term.expires_on
        covered_to = end if covered_to is None else max(covered_to, end)
    if covered_to is not None and covered_to < today:  # date.max is never before today
        entries.append(HistoryEntry("lapsed", covered_to + dt.timedelta(days=1), None))
    for lapse in cert.lapses.all():
        stops = rules.lapse_end(lapse.as_rule(), terms)
        entries.append(
            HistoryEntry(
                "lapse_recorded",
                lapse.starts_on,
                stops - dt.timedelta(days=1) if stops else None,
                lapse.reason,
                lapse=lapse,
                withdrawn=lapse.withdrawn_at is not None,
            )
        )
    return sorted(entries, key=lambda e: (e.starts_on, e.kind))


def certified_on(profile: PeerProfile) -> dt.date | None:
    """The date of the first certification: it decides when CEUs start to be due."""
    first = profile.certifications.aggregate(first=Min("issued_on"))["first"]
    return first


def ceu_year_for(profile: PeerProfile, *, year: int, today: dt.date) -> rules.CeuYear:
    hours_by_year = (
        profile.ceus.filter(date__year__lte=year)
        .annotate(y=ExtractYear("date"))
        .values("y")
        .annotate(h=Sum("hours"))
    )
    return rules.ceu_standing(
        certified_on=certified_on(profile),
        entries=[(dt.date(row["y"], 1, 1), row["h"]) for row in hours_by_year],
        year=year,
        today=today,
        per_year=settings.CEU_HOURS_PER_YEAR,
        carry_cap=settings.CEU_CARRY_OVER_CAP,
    )


@dataclass(frozen=True)
class TeamRow:
    profile: PeerProfile
    standing: rules.CeuYear
    expires_on: dt.date | None
    lapsed: bool


def team_standings(membership: Membership, *, year: int, today: dt.date) -> list[TeamRow]:
    """Every peer the member may see, with their standing for `year`."""
    return standings_for(PeerProfile.objects.for_member(membership), year=year, today=today)


def standings_for(
    profiles_qs: QuerySet[PeerProfile], *, year: int, today: dt.date
) -> list[TeamRow]:
    """Standing of each active peer in `profiles_qs`, in five queries whatever the team
    size: the profiles, their CEU hours summed per year, and their certifications with
    renewals and lapses."""
    profiles = list(
        profiles_qs.filter(membership__is_active=True, membership__role=Role.PEER_SUPPORTER)
        .exclude(status=CertificationStatus.SEPARATED)
        .select_related("membership__user")
        .order_by("membership__user__last_name", "membership__user__first_name")
    )
    ids = [p.pk for p in profiles]
    hours: dict[int, list[tuple[dt.date, Decimal]]] = {pk: [] for pk in ids}
    for row in (
        CeuEntry.objects.filter(profile__in=ids, date__year__lte=year)
        .annotate(y=ExtractYear("date"))
        .values("profile", "y")
        .annotate(h=Sum("hours"))
    ):
        hours[row["profile"]].append((dt.date(row["y"], 1, 1), row["h"]))
    certs: dict[int, list[Certification]] = {pk: [] for pk in ids}
    for cert in (
        Certification.objects.filter(profile__in=ids)
        .prefetch_related("renewals", "lapses")
        .order_by("issued_on")
    ):
        certs[cert.profile_id].append(cert)
    rows = []
    for profile in profiles:
        mine = certs[profile.pk]
        current = next((c for c in reversed(mine) if c.open_lapse is None), None)
        standing = rules.ceu_standing(
            certified_on=mine[0].issued_on if mine else None,
            entries=hours[profile.pk],
            year=year,
            today=today,
            per_year=settings.CEU_HOURS_PER_YEAR,
            carry_cap=settings.CEU_CARRY_OVER_CAP,
        )
        lapsed = profile.status == CertificationStatus.LAPSED or (
            bool(mine) and not any(c.is_active_on(today) for c in mine)
        )
        rows.append(TeamRow(profile, standing, current.current_expiry if current else None, lapsed))
    return rows


@dataclass(frozen=True)
class Turnover:
    start: dt.date
    end: dt.date
    left: int
    headcount_start: int
    headcount_end: int
    reasons: dict[str, int]

    @property
    def average_headcount(self) -> Decimal:
        return Decimal(self.headcount_start + self.headcount_end) / 2

    @property
    def rate(self) -> Decimal | None:
        """People who left in the period over the average headcount, as a fraction."""
        if not self.average_headcount:
            return None
        return Decimal(self.left) / self.average_headcount


def turnover(profiles_qs: QuerySet[PeerProfile], *, start: dt.date, end: dt.date) -> Turnover:
    """Peer turnover for a period: separations over the average of the headcounts on its
    first and last day (a peer counts from the hire date until the separation date)."""

    def employed_on(day: dt.date) -> Q:
        hired = Q(hire_date__isnull=True) | Q(hire_date__lte=day)
        return hired & (Q(separated_on__isnull=True) | Q(separated_on__gt=day))

    peers = profiles_qs.filter(membership__role=Role.PEER_SUPPORTER)
    left_in_period = Q(separated_on__gte=start, separated_on__lte=end)
    counts = peers.aggregate(
        left=Count("pk", filter=left_in_period),
        at_start=Count("pk", filter=employed_on(start)),
        at_end=Count("pk", filter=employed_on(end)),
    )
    reasons = dict(
        peers.filter(left_in_period)
        .values_list("separation_reason")
        .annotate(n=Count("pk"))
        .values_list("separation_reason", "n")
    )
    return Turnover(start, end, counts["left"], counts["at_start"], counts["at_end"], reasons)
