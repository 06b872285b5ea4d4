"""What reports rest on and what they leave behind: the cost of each alternative to peer
support, programs' cost lines, report runs with their files, and schedules.

These tables were first made by the encounters and programs apps; migration 0001 took them
over with every row (the tables were renamed, not copied)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from certification.models import private_storage
from encounters.models import Alternative
from programs.access import ScopedQuerySet
from programs.models import NOT_NEGATIVE, Membership, Organization, Program


class CostCategory(models.TextChoices):
    SALARY_BENEFITS = "salary_benefits", "Salary and benefits"
    SUPERVISION = "supervision", "Clinical supervision"
    TRAINING = "training", "Training"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other"


class ProgramCost(models.Model):
    """What a program actually cost over a span of dates (a budget line). A report over a
    period counts a line in proportion to the days it shares with the period."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="costs")
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[NOT_NEGATIVE])
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "program__organization"

    class Meta:
        ordering = ["-starts_on", "category"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cost_line_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.starts_on} to {self.ends_on}: {self.amount}"


class AlternativeCost(models.Model):
    """What one alternative to peer support costs (a 911 police response, an emergency
    department visit...), from a date on, with the source it can be cited from."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alternative_costs"
    )
    alternative = models.CharField(max_length=24, choices=Alternative.choices)
    unit_cost = models.DecimalField(max_digits=10, decimal_places=2)
    source = models.CharField(
        max_length=300, help_text="Where the figure comes from, as a funder could check it."
    )
    effective_from = models.DateField()
    is_example = models.BooleanField(
        default=False, help_text="A demo example, labelled as such until replaced."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["alternative", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "alternative", "effective_from"],
                name="one_cost_per_alternative_and_day",
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_alternative_display()}: ${self.unit_cost} from {self.effective_from}"


class ReportKind(models.TextChoices):
    COST_SAVINGS = "cost-savings", "Cost savings (diversion dollars)"
    FUNDER = "funder", "Funder report (program analysis)"


class ReportRun(models.Model):
    """A report asked for (in the browser or by a schedule), built by a task and archived
    with who asked, its parameters and its files."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    scenario = models.JSONField(
        default=dict, blank=True, help_text="Overridden unit costs and program cost, if any."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        "ReportSchedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="reports/%Y/", storage=private_storage, blank=True)
    csv = models.FileField(upload_to="reports/%Y/", storage=private_storage, blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/", storage=private_storage, blank=True)
    json = models.FileField(upload_to="reports/%Y/", storage=private_storage, blank=True)
    submission_key = models.UUIDField(null=True, blank=True, unique=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # A schedule builds each period once, however often beat runs.
            models.UniqueConstraint(
                fields=["schedule", "start", "end"],
                condition=Q(schedule__isnull=False),
                name="one_run_per_schedule_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start} to {self.end}"


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", "Every month (the month before)"
    QUARTERLY = "quarterly", "Every quarter (the quarter before)"


class ReportSchedule(models.Model):
    """A report built by itself after each month or quarter; its recipients get a link."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    frequency = models.CharField(max_length=10, choices=ReportFrequency.choices)
    recipients = models.ManyToManyField(Membership, related_name="+")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.get_frequency_display().lower()}"
