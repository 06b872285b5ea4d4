"""Reads about who supervises whom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from programs.access import rule_for
from programs.models import Membership, Role
from supervision.models import SupervisionAgreement, active_on


@rule_for(SupervisionAgreement)
def _agreements_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """Admins and managers see every agreement; a supervisor or peer their own."""
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return qs
    return qs.filter(Q(supervisor=membership) | Q(supervisee=membership))


def supervisee_ids(supervisor: Membership, *, day: dt.date | None = None) -> QuerySet[Any]:
    """Ids of the memberships `supervisor` supervises under an agreement in force on `day`
    (today by default), as a subquery."""
    if day is None:
        from certification.selectors import organization_today

        day = organization_today(supervisor.organization)
    return (
        SupervisionAgreement.objects.filter(supervisor=supervisor)
        .filter(active_on(day))
        .values("supervisee_id")
    )
