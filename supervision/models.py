"""Clinical supervision: supervisors' licenses, written agreements, hours worked, and the
supervision log that a supervisor signs and nobody may change afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from certification.models import private_storage
from programs.access import ScopedQuerySet
from programs.models import Membership, Organization
from programs.uploads import validate_upload


class LicenseType(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    PSYCHOLOGIST = "psychologist", "Psychologist"
    SOCIAL_WORKER = "social_worker", "Licensed clinical social worker"
    PROFESSIONAL_COUNSELOR = "professional_counselor", "Licensed professional counselor"
    PSYCHIATRIC_NURSE = (
        "psychiatric_nurse",
        "Advanced practice registered nurse (psychiatric mental health)",
    )
    MARRIAGE_FAMILY_THERAPIST = "marriage_family_therapist", "Marriage and family therapist"
    ADDICTION_COUNSELOR = "addiction_counselor", "Licensed addiction counselor"


class SupervisorProfile(models.Model):
    """A clinical supervisor's license. Whether they may supervise peers is worked out from
    it (see `supervision.rules.supervisor_eligible_on`)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="supervisor_profile"
    )
    license_type = models.CharField(max_length=32, choices=LicenseType.choices, blank=True)
    license_number = models.CharField(max_length=60, blank=True)
    licensed_on = models.DateField("licensed since", null=True, blank=True)
    supervision_ceu_hours = models.DecimalField(
        "clinical-supervision CEU hours",
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        help_text="Hours of continuing education in clinical supervision.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "membership__organization"

    def __str__(self) -> str:
        return f"{self.membership.user} ({self.get_license_type_display() or 'no license'})"


class SupervisionAgreement(models.Model):
    """A written agreement that a clinical supervisor supervises a peer supporter from a
    date on (to an end date, if one is set), signed by both."""

    supervisor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervision_agreements_given"
    )
    supervisee = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervision_agreements"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    supervisor_signed_on = models.DateField(null=True, blank=True)
    supervisee_signed_on = models.DateField(null=True, blank=True)
    document = models.FileField(
        "signed agreement",
        upload_to="supervision-agreements/%Y/",
        storage=private_storage,
        blank=True,
        max_length=255,
        validators=[validate_upload],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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

    @property
    def is_signed(self) -> bool:
        return self.supervisor_signed_on is not None and self.supervisee_signed_on is not None


def active_on(day: dt.date) -> Q:
    """Agreements in force on `day`, as a filter on SupervisionAgreement."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def signed_and_active_on(day: dt.date) -> Q:
    """Agreements in force on `day` and signed by both (the checklist's written agreement)."""
    return active_on(day) & Q(
        supervisor_signed_on__isnull=False, supervisee_signed_on__isnull=False
    )


class HoursWorked(models.Model):
    """The hours a peer worked on one day, whatever the work; they set how much
    supervision the month needs."""

    peer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="hours_worked")
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Hours a peer enters themself are "reported" (confirmed_at empty) until a supervisor of
    # theirs, a manager or an admin confirms them; hours from payroll (the import) or entered
    # by a manager are confirmed on entry. An import run without a person leaves
    # confirmed_by empty.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "peer__organization"

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "hours worked"
        constraints = [
            models.UniqueConstraint(fields=["peer", "date"], name="one_hours_row_per_day"),
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=24), name="hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.hours} h"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Topic(models.TextChoices):
    PERSONAL_MISSION = "personal_mission", "Personal mission"
    EXPERIENCES = "experiences", "Positive and negative experiences"
    SKILL_BUILDING = "skill_building", "Skill building and role play"
    PROBLEM_SOLVING = "problem_solving", "Problem solving"
    SUCCESSES = "successes", "Celebrating successes"
    ACCOUNTABILITY = "accountability", "Accountability"
    CHECK_IN = "check_in", "Check-in"
    ETHICS_BOUNDARIES = "ethics_boundaries", "Ethics and boundaries"
    SCOPE_OF_PRACTICE = "scope_of_practice", "Scope of practice"
    CLIENT_PHASES = "client_phases", "Model phase with each client"


SIGNED_LOG_IS_READ_ONLY = "This supervision log is signed: add a signed addendum instead."
LOGS_ARE_KEPT = (
    "Supervision logs are kept for {years} years (the Board may ask for them) and cannot be "
    "deleted."
)


class SignedLogIsReadOnly(Exception):
    """Raised by any attempt to change a signed log or delete a log in its retention."""


def signed_log(path: str = "") -> Q:
    """A log signed in the app or, transcribed from paper, on paper, as a filter; `path`
    reaches the log from a related row (e.g. "log__" from its attendees)."""
    return Q(**{f"{path}signed_at__isnull": False}) | Q(**{f"{path}signed_on_paper__isnull": False})


class SupervisionLogQuerySet(ScopedQuerySet):
    def signed(self) -> Self:
        """Logs signed in the app or on paper: read-only, and counted in the ratio."""
        return self.filter(signed_log())

    def unsigned(self) -> Self:
        """Logs still open to their supervisor's corrections and signature."""
        return self.exclude(signed_log())

    def update(self, **kwargs: Any) -> int:
        if self.signed().exists():
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignedLogIsReadOnly(LOGS_ARE_KEPT.format(years=settings.SUPERVISION_RETENTION_YEARS))


SIGNED_STATEMENT = "Signed statements in a supervision record cannot be changed or deleted."


class LogPartQuerySet(ScopedQuerySet):
    """Attendees and clients of a signed log are as signed: no bulk change touches them."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(signed_log("log__")).exists() or "log" in kwargs or "log_id" in kwargs:
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(signed_log("log__")).exists():
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        return super().delete()


class LogPartMixin(models.Model):
    log_id: Any

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._parent_signed():
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._parent_signed():
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        return super().delete(*args, **kwargs)

    def _parent_signed(self) -> bool:
        return SupervisionLog.objects.signed().filter(pk=self.log_id).exists() or (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk).exclude(log_id=self.log_id).exists()  # type: ignore[attr-defined]
        )


class StatementQuerySet(ScopedQuerySet):
    """Addenda and acknowledgments are signed statements: written once, never changed."""

    def update(self, **kwargs: Any) -> int:
        raise SignedLogIsReadOnly(SIGNED_STATEMENT)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignedLogIsReadOnly(SIGNED_STATEMENT)


class StatementMixin(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedLogIsReadOnly(SIGNED_STATEMENT)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedLogIsReadOnly(SIGNED_STATEMENT)


class LogSource(models.TextChoices):
    APP = "app", "Written in PeerPath"
    PAPER = "paper", "Transcribed from paper"


class SupervisionLog(models.Model):
    """One supervision session and its log. Once signed it is read-only everywhere (on
    PostgreSQL a trigger refuses changes too); corrections are signed addenda."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supervision_logs"
    )
    supervisor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervision_logs_given"
    )
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    minutes = models.PositiveSmallIntegerField()
    topics = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    signoff_assessments = models.BooleanField(
        "assessments, interpretations and referrals reviewed", default=False
    )
    signoff_interventions = models.BooleanField(
        "support interventions, assessment results and planning interventions reviewed",
        default=False,
    )
    # As they were on the day of the session.
    supervisor_name = models.CharField(max_length=200)
    supervisor_license_type = models.CharField(max_length=32, blank=True)
    supervisor_license_number = models.CharField(max_length=60, blank=True)
    source = models.CharField(max_length=8, choices=LogSource.choices, default=LogSource.APP)
    external_id = models.CharField(max_length=80, blank=True)
    submission_key = models.UUIDField(null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_on_paper = models.DateField(null=True, blank=True)
    signature_hash = models.CharField(max_length=64, blank=True)

    objects = SupervisionLogQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="supervision_external_id_per_org",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="log_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision {self.date:%b %-d, %Y} {self.start_time:%H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The row as stored decides: a signed log is never written again from here.
        if self.pk is not None and SupervisionLog.objects.signed().filter(pk=self.pk).exists():
            raise SignedLogIsReadOnly(SIGNED_LOG_IS_READ_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedLogIsReadOnly(LOGS_ARE_KEPT.format(years=settings.SUPERVISION_RETENTION_YEARS))

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None or self.signed_on_paper is not None

    def supervisor_license_label(self) -> str:
        kind = self.supervisor_license_type
        return LicenseType(kind).label if kind in LicenseType.values else kind

    def topic_labels(self) -> list[str]:
        return [Topic(t).label for t in self.topics if t in Topic.values]


class LogAttendee(LogPartMixin):
    """A supervisee at a session, with their certification number as it was that day."""

    log = models.ForeignKey(SupervisionLog, on_delete=models.PROTECT, related_name="attendees")
    supervisee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    supervisee_name = models.CharField(max_length=200)
    certification_number = models.CharField(max_length=60, blank=True)

    objects = LogPartQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "log__organization"

    class Meta:
        ordering = ["supervisee_name"]
        constraints = [
            models.UniqueConstraint(fields=["log", "supervisee"], name="one_attendance_per_log")
        ]

    def __str__(self) -> str:
        return self.supervisee_name


class LogClient(LogPartMixin):
    """A client discussed at a session, by pseudonymous code, with their model phase."""

    log = models.ForeignKey(SupervisionLog, on_delete=models.PROTECT, related_name="clients")
    client = models.ForeignKey("encounters.Client", on_delete=models.PROTECT, related_name="+")
    client_code = models.CharField(max_length=40)
    phase = models.CharField(max_length=16)

    objects = LogPartQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "log__organization"

    class Meta:
        ordering = ["client_code"]

    def __str__(self) -> str:
        return f"{self.client_code} ({self.phase})"


class Acknowledgment(StatementMixin):
    """A supervisee's acknowledgment of a signed log, from their own account."""

    log = models.ForeignKey(
        SupervisionLog, on_delete=models.PROTECT, related_name="acknowledgments"
    )
    supervisee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = StatementQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "log__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "supervisee"], name="one_ack_per_supervisee")
        ]

    def __str__(self) -> str:
        return f"Acknowledged {self.at:%Y-%m-%d}"


class Addendum(StatementMixin):
    """A signed correction or addition to a signed log; the log itself stays as signed."""

    log = models.ForeignKey(SupervisionLog, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    signature_hash = models.CharField(max_length=64)
    submission_key = models.UUIDField(null=True, blank=True, unique=True)

    objects = StatementQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "log__organization"

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum {self.signed_at:%Y-%m-%d}"


class ShortMonthWarning(models.Model):
    """That a peer was warned of a short supervision month: once per peer and month."""

    peer = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "month"], name="one_warning_per_month")
        ]

    def __str__(self) -> str:
        return f"Warned {self.month:%Y-%m}"


class RecordExport(models.Model):
    """A peer's supervision record as a PDF, rendered by a task and kept for download."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    start = models.DateField()
    end = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(
        upload_to="supervision-records/%Y/", storage=private_storage, blank=True, max_length=255
    )
    error = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Supervision record {self.start} to {self.end}"
