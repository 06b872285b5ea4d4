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
    """Standing of each active peer in `profiles_qs`, in three queries whatever the team
    size: the profiles, their CEU hours summed per year, and their certifications."""
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
    for cert in Certification.objects.filter(profile__in=ids).order_by("issued_on"):
        certs[cert.profile_id].append(cert)
    rows = []
    for profile in profiles:
        mine = certs[profile.pk]
        current = next((c for c in reversed(mine) if c.lapsed_on is None), None)
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
        rows.append(TeamRow(profile, standing, current.expires_on if current else None, lapsed))
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
