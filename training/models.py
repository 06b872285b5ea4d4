"""Training: courses an organization runs (Peer Support 101, continuing education),
their sessions, who enrolled, attendance by day, the exam, and certificates."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from certification.models import private_storage
from programs.access import ScopedQuerySet
from programs.models import Membership, Organization


class Course(models.Model):
    """A course an organization offers. Without a pass mark there is no exam."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="courses")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    required_hours = models.DecimalField(max_digits=5, decimal_places=2)
    pass_mark = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Exam pass mark in percent; blank when there is no exam."
    )
    ceu_approved = models.BooleanField("approved for CEUs", default=False)
    topics = models.JSONField(default=list, blank=True, help_text="Core-competency topic codes.")
    continuous = models.BooleanField(
        "must be taken continuously",
        default=False,
        help_text="Missing hours cannot be made up in another session.",
    )
    completes_initial_training = models.BooleanField(
        default=False,
        help_text="Completing it covers the certification checklist's training and exam.",
    )
    is_active = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="course_code_per_org")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_exam(self) -> bool:
        return self.pass_mark is not None


class TrainingSession(models.Model):
    """One running of a course: its days, place, trainer, capacity and fee."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField()
    ends_on = models.DateField()
    place = models.CharField(max_length=200, help_text='An address, or "Virtual".')
    trainer = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="training_sessions"
    )
    capacity = models.PositiveSmallIntegerField()
    fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    # Closed by default: a session's course, dates and place are the organization's own
    # business until it chooses to take people from elsewhere.
    open_to_other_organizations = models.BooleanField(
        "open to people of other organizations",
        default=False,
        help_text="Anyone with a PeerPath account, in another organization or in none, sees "
        "this session under My training and may join it. Unticked, only your organization's "
        "people see it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "course__organization"

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.starts_on:%b %-d, %Y})"


class Trail(models.TextChoices):
    EMPLOYMENT = "employment", "Offered a job as a peer supporter"
    SELF_PAY = "self_pay", "Paying for myself"
    TRANSFER = "transfer", "Certified in another state"
    VOLUNTEER = "volunteer", "Volunteer experience"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    WAITING = "waiting", "On the waiting list"
    WITHDRAWN = "withdrawn", "Withdrawn"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Did not pass the exam"
    INCOMPLETE = "incomplete", "Hours missing"


class Enrollment(models.Model):
    """A person in a session. They may belong to another organization, or to none: they
    are matched by e-mail, and see only their own enrolment."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="enrollments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    trail = models.CharField(max_length=16, choices=Trail.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    exam_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    certificate_code = models.CharField(max_length=20, null=True, blank=True, unique=True)
    certificate = models.FileField(
        upload_to="training-certificates/%Y/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "session__course__organization"

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="one_enrollment_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.name} in {self.session}"


class Attendance(models.Model):
    """Hours a participant attended on one day of a session."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "date"], name="one_attendance_a_day"),
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=24), name="attendance_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.hours} h"
