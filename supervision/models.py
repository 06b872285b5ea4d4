"""Clinical supervision. For now: who supervises whom (the written agreement), which the
encounters app needs to show a supervisor their supervisees' clients and encounters."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q

from programs.access import ScopedQuerySet
from programs.models import Membership


class SupervisionAgreement(models.Model):
    """A written agreement that a clinical supervisor supervises a peer supporter from a
    date on (to an end date, if one is set)."""

    supervisor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervision_agreements_given"
    )
    supervisee = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervision_agreements"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "supervisor__organization"

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supervisor.user} supervises {self.supervisee.user}"


def active_on(day: dt.date) -> Q:
    """Agreements in force on `day`, as a filter on SupervisionAgreement."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
