"""Clients (participants) and what encounters are billed at.

Encounters themselves and the survey come with the encounters issue; these are the pieces
program planning needs already: who is on whose caseload, and the payers' rates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.db import models

from programs.access import ScopedQuerySet
from programs.models import Membership, Organization, Program


class ModelPhase(models.TextChoices):
    ENGAGING = "engaging", "Engaging"
    CONNECTING = "connecting", "Connecting"
    SUPPORTING = "supporting", "Supporting"


class Client(models.Model):
    """A person a program supports. Staff use the pseudonymous code day to day; the name
    and contact are optional and shown only to staff whose duties need them."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="clients")
    code = models.CharField("client code", max_length=40)
    name = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=300, blank=True)
    assigned_peer = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="clients", null=True, blank=True
    )
    enrolled_on = models.DateField()
    discharged_on = models.DateField(null=True, blank=True)
    phase = models.CharField(max_length=16, choices=ModelPhase.choices, default=ModelPhase.ENGAGING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "program__organization"

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="client_code_per_program")
        ]

    def __str__(self) -> str:
        return self.code

    def is_active_on(self, day: dt.date) -> bool:
        return self.enrolled_on <= day and (self.discharged_on is None or day < self.discharged_on)


class Payer(models.Model):
    """Who pays for encounters. A payer with no organization (Medicaid) is shared by all."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="payers"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    requires_certification = models.BooleanField(
        default=True, help_text="Only encounters by a peer with an active certification bill."
    )
    daily_unit_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most units a client may bill in a day (blank: none)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="payer_code_per_org"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(organization__isnull=True),
                name="shared_payer_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """A payer's rate per unit from a date on; the rate in force on an encounter's date
    applies to it."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="rates")
    effective_from = models.DateField()
    unit_minutes = models.PositiveSmallIntegerField(default=15)
    unit_amount = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["payer", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "effective_from"], name="one_rate_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.payer}: ${self.unit_amount} per {self.unit_minutes} min"

    @property
    def hourly(self) -> Decimal:
        return self.unit_amount * 60 / self.unit_minutes
