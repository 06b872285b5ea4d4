"""Organizations (agencies), their programs, who works there in which role, and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from programs.access import ScopedQuerySet
from programs.storage import private_storage

NOT_NEGATIVE = MinValueValidator(Decimal(0), "Cannot be negative.")


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Organization admin"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    CLINICAL_SUPERVISOR = "clinical_supervisor", "Clinical supervisor"
    PEER_SUPPORTER = "peer_supporter", "Peer supporter"
    TRAINER = "trainer", "Trainer"


class SettingType(models.TextChoices):
    SUBSTANCE_USE_TREATMENT = "substance_use_treatment", "Substance use treatment"
    COMMUNITY_HEALTH_CENTER = "community_health_center", "Community health center"
    MENTAL_HEALTH_CENTER = "mental_health_center", "Mental health center"
    BEHAVIORAL_HEALTH_CENTER = "behavioral_health_center", "Behavioral health center"
    TRIBAL_HEALTH = "tribal_health", "Tribal health"
    WELLNESS_CENTER = "wellness_center", "Wellness or drop-in center"
    MAT_CLINIC = "mat_clinic", "Medication-assisted treatment clinic"
    PRIVATE_PRACTICE = "private_practice", "Private practice"
    DRUG_COURT = "drug_court", "Drug court"
    VETERANS_AFFAIRS = "veterans_affairs", "Veterans Affairs"
    STATE_HOSPITAL = "state_hospital", "State hospital"
    CRISIS_RESPONSE = "crisis_response", "Crisis response team"
    PACT_TEAM = "pact_team", "PACT team"
    CRIMINAL_JUSTICE = "criminal_justice", "Criminal justice"
    RECOVERY_HOME = "recovery_home", "Recovery home"
    COMMUNITY = "community", "Community setting"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    setting_type = models.CharField(
        max_length=40, choices=SettingType.choices, default=SettingType.BEHAVIORAL_HEALTH_CENTER
    )
    # The phase checklists are copied from the defaults once; emptying them later is a
    # choice to respect, not a reason to copy them again.
    phase_template_seeded = models.BooleanField(default=False)
    time_zone = models.CharField(
        max_length=64,
        default=settings.TIME_ZONE,
        help_text="Decides what 'today' means for this organization's records.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self) -> dt.date:
        """'Today' in the organization's own time zone: the day its records belong to."""
        return timezone.now().astimezone(ZoneInfo(self.time_zone)).date()


class Phase(models.TextChoices):
    PLANNING = "planning", "Planning"
    IMPLEMENTATION = "implementation", "Implementation"
    OPERATIONAL = "operational", "Operational"


class Program(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="programs"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.PLANNING)
    phase_since = models.DateField(null=True, blank=True)
    # Overwork is a known cause of relapse and turnover: the program sets its limits.
    caseload_limit = models.PositiveSmallIntegerField(
        default=15, help_text="Most active clients one peer supporter should carry."
    )
    weekly_hours_limit = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("40"),
        help_text="Most hours a week one peer supporter should work.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="program_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One person's place in one organization: a role, and the programs they work in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    programs = models.ManyToManyField(Program, blank=True, related_name="memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["organization__name", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An e-mailed, expiring link that lets one person join an organization in one role.

    Only a hash of the link's token is stored, so a copy of the database cannot be used
    to accept invitations.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    programs = models.ManyToManyField(Program, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization, even under a race.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING


class AuditEventQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly(AUDIT_LOG_IS_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(AUDIT_LOG_IS_APPEND_ONLY)


AUDIT_LOG_IS_APPEND_ONLY = "The audit log is append-only: its entries cannot be changed or deleted."


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. Written once, never changed.

    On PostgreSQL a trigger refuses UPDATE and DELETE as well, so not even raw SQL from
    the application can rewrite history.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    event = models.CharField(max_length=80)
    subject_type = models.CharField(max_length=80, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organization", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event} {self.subject_type}#{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly(AUDIT_LOG_IS_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(AUDIT_LOG_IS_APPEND_ONLY)

    @property
    def label(self) -> str:
        """A reader's name for the event, as its app registered it (programs.audit)."""
        from programs.audit import event_label

        return event_label(self.event)


class Notification(models.Model):
    """A message to one person in the app, usually also e-mailed. Never carries client
    details: it says what to look at and links to it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class ReadinessAssessment(models.Model):
    """One answering of the readiness self-assessment. Every one is kept: the history
    shows the organization's progress."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="readiness_assessments"
    )
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    yes_count = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    # The form's one-time key: a double tap or a resend records the assessment once.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"Readiness {self.assessed_on}: {self.yes_count}/{self.total}"


class ReadinessAnswer(models.Model):
    assessment = models.ForeignKey(
        ReadinessAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    statement = models.CharField(max_length=40)
    answer = models.BooleanField()
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement"], name="one_answer_each")
        ]

    def __str__(self) -> str:
        return f"{self.statement}: {'yes' if self.answer else 'no'}"


class ReadinessAction(models.Model):
    """The plan's step for one 'no': what, who, by when; done when done."""

    assessment = models.ForeignKey(
        ReadinessAssessment, on_delete=models.CASCADE, related_name="actions"
    )
    statement = models.CharField(max_length=40)
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_date = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "assessment__organization"

    class Meta:
        ordering = ["target_date"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement"], name="one_action_per_no")
        ]

    def __str__(self) -> str:
        return self.action


class PhaseTemplateItem(models.Model):
    """An organization's own checklist for a development phase (a copy of the defaults)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="phase_template"
    )
    phase = models.CharField(max_length=16, choices=Phase.choices)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["phase", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    """One item of a program's checklist for a phase."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="checklist")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "program__organization"

    class Meta:
        ordering = ["phase", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class PhaseChange(models.Model):
    """A program's move to the next phase; an override records why items were left open."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="phase_changes")
    from_phase = models.CharField(max_length=16, choices=Phase.choices)
    to_phase = models.CharField(max_length=16, choices=Phase.choices)
    open_items = models.PositiveSmallIntegerField(default=0)
    override_reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.program}: {self.from_phase} → {self.to_phase}"


class PeerPosition(models.Model):
    """One peer supporter position in a program, with its yearly cost lines."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(max_length=120, default="Peer supporter")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    hourly_wage = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[NOT_NEGATIVE]
    )
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    salary = models.DecimalField(
        "yearly salary",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Instead of an hourly wage.",
    )
    billable_hours_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Expected hours of billable peer support a week (for the Medicaid estimate).",
    )
    benefits = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    supervision = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    vehicle = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    laptop = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    phone = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    insurance = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    initial_training = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    ongoing_support = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    certification_fees = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    outreach_materials = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )
    continuing_education = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True
    )
    administration = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, blank=True, validators=[NOT_NEGATIVE]
    )

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "program__organization"

    class Meta:
        ordering = ["program", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.hours_per_week is not None and not 0 < self.hours_per_week <= 80:
            errors["hours_per_week"] = "Hours a week must be more than 0 and at most 80."
        if self.billable_hours_per_week is not None and (
            self.billable_hours_per_week < 0
            or (
                self.hours_per_week is not None
                and self.billable_hours_per_week > self.hours_per_week
            )
        ):
            errors["billable_hours_per_week"] = "Billable hours cannot exceed the hours worked."
        if self.salary is not None and self.salary < 0:
            errors["salary"] = "A salary cannot be negative."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end comes after the start."
        if errors:
            raise ValidationError(errors)


class FundingKind(models.TextChoices):
    MEDICAID = "medicaid", "Medicaid or block-grant billing"
    GRANT = "grant", "Grant"
    CONTRACT = "contract", "Contract (e.g. a hospital)"
    PACT = "pact", "PACT"
    FEE_FOR_SERVICE = "fee_for_service", "Fee for service"
    FUND_RAISING = "fund_raising", "Fund raising"


class FundingSource(models.Model):
    position = models.ForeignKey(PeerPosition, on_delete=models.CASCADE, related_name="funding")
    kind = models.CharField(max_length=20, choices=FundingKind.choices)
    name = models.CharField(max_length=120, blank=True)
    yearly_amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[NOT_NEGATIVE])
    ends_on = models.DateField(null=True, blank=True)
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "position__program__organization"

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class ImportStatus(models.TextChoices):
    CHECKED = "checked", "Checked, not imported"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Not imported"
    REFUSED_DUPLICATE = "refused_duplicate", "Already imported before"


# A file holds its place once these are reached: a second copy of it is refused.
IMPORT_HOLDS_THE_FILE = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.IMPORTED)


class ImportRun(models.Model):
    """A file uploaded on the Import page: checked (nothing written), then confirmed and
    imported all or nothing. The row stays as the organization's import history; the file
    itself is kept in private storage for IMPORT_KEEP_DAYS, then deleted."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sheet = models.CharField(max_length=100, blank=True)
    file = models.FileField(
        upload_to="imports/%Y/%m/", storage=private_storage, blank=True, max_length=255
    )
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    # What the check found it would do, then what the import did.
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Every problem as {"line", "column", "message"}: the file's own words, no row data.
    errors = models.JSONField(default=list, blank=True)
    # The first rows as read, for the check's page; emptied with the file.
    preview = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run this file was refused as a copy of.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            # One file imports once per organization and kind, however many copies of it
            # were checked and confirmed at the same time.
            models.UniqueConstraint(
                fields=["organization", "kind", "sha256"],
                condition=models.Q(status__in=IMPORT_HOLDS_THE_FILE),
                name="one_import_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.file_name}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
