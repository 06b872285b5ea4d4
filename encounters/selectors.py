"""Reads for clients and rates, and who may see which clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from encounters.models import Client, Payer, Rate
from programs.access import rule_for
from programs.models import Membership, Program, Role


@rule_for(Client)
def _clients_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A peer sees own clients; managers and (until supervision agreements exist, as an
    interim rule) supervisors see their programs' clients; admins see all."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PEER_SUPPORTER:
        return qs.filter(assigned_peer=membership)
    return qs.filter(program__in=Program.objects.for_member(membership).values("pk"))


def rate_on(payer: Payer, day: dt.date) -> Rate | None:
    """The payer's rate in force on `day` (the latest one starting on or before it)."""
    return payer.rates.filter(effective_from__lte=day).order_by("-effective_from").first()


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
