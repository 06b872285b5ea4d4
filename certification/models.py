"""Peer supporters' profiles, the path to certification, certifications, and CEU hours."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models

from certification.rules import (
    DayStanding,
    RecordedLapse,
    Reminder,
    Term,
    certification_on,
    lapse_end,
)
from programs.access import ScopedQuerySet
from programs.models import Membership
from programs.uploads import validate_upload


def private_storage() -> Any:
    # Evidence and certificates are never served from a public URL: only through
    # access-checked views (see certification.views.EvidenceDownloadView).
    return storages["private"]


class CertificationStatus(models.TextChoices):
    TRAINEE = "trainee", "Trainee"
    APPLICANT = "applicant", "Applicant"
    CERTIFIED = "certified", "Certified"
    LAPSED = "lapsed", "Lapsed"
    INACTIVE = "inactive", "Inactive"
    SEPARATED = "separated", "Separated"


class Trail(models.TextChoices):
    EMPLOYMENT = "employment", "Employment or job offer"
    SELF_PAY = "self_pay", "Self-pay"
    TRANSFER = "transfer", "Transfer from another state"
    VOLUNTEER = "volunteer", "Volunteer experience and training"


class SeparationReason(models.TextChoices):
    RELAPSE_OR_CRISIS = "relapse_or_crisis", "Relapse or crisis"
    ETHICS_TERMINATION = "ethics_termination", "Terminated for ethics or policy violations"
    EMPLOYER_PLANNING = "employer_planning", "Employer's lack of planning"
    POOR_FIT = "poor_fit", "Poor fit or unstable recovery"
    ROLE_REPLACED = "role_replaced", "Position replaced by another role"
    FUNDING_OR_WAGE = "funding_or_wage", "Funding ended or wage too low"
    PROFESSIONAL_GROWTH = "professional_growth", "Professional growth (e.g. became a counselor)"
    OTHER = "other", "Other"


class Topic(models.TextChoices):
    """Core competencies: the subjects of the initial training and of CEUs."""

    SAMHSA_CORE = "samhsa_core", "SAMHSA core competencies"
    BOUNDARIES_ETHICS = "boundaries_ethics", "Boundaries and ethics"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    SCOPE_OF_PRACTICE = "scope_of_practice", "Scope of practice"
    COMMUNICATION = "communication", "Communication"
    SELF_CARE = "self_care", "Self-care"
    SUICIDE_AWARENESS = "suicide_awareness", "Suicide awareness"
    STAGES_OF_CHANGE = "stages_of_change", "Stages of change"
    TRAUMA_INFORMED_CARE = "trauma_informed_care", "Trauma-informed care"
    CULTURAL_AWARENESS = "cultural_awareness", "Cultural awareness"
    PATHWAYS_OF_RECOVERY = "pathways_of_recovery", "Pathways of recovery"
    RECOVERY_STORY = "recovery_story", "Telling your recovery story"
    CLINICAL_SUPERVISION = "clinical_supervision", "Clinical supervision"
    COMMUNITY_RESOURCES = "community_resources", "Community resources"
    EMOTIONAL_INTELLIGENCE = "emotional_intelligence", "Emotional intelligence"
    SUPPORTING_OTHERS = "supporting_others", "Supporting others"
    GROUP_FACILITATION = "group_facilitation", "One-on-one and group facilitation"
    RECOVERY_PLANNING = "recovery_planning", "Recovery planning"


class PeerProfile(models.Model):
    """A peer supporter's working record in one organization."""

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="peer_profile"
    )
    job_title = models.CharField(
        max_length=80, blank=True, help_text="Local title, e.g. Recovery Coach or Peer Mentor."
    )
    certification_number = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=16, choices=CertificationStatus.choices, default=CertificationStatus.TRAINEE
    )
    trail = models.CharField(
        "route to certification", max_length=16, choices=Trail.choices, default=Trail.EMPLOYMENT
    )
    hire_date = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    # Sensitive: shown only to the peer, and to a manager who records why they look.
    recovery_since = models.DateField("in recovery since", null=True, blank=True)
    separated_on = models.DateField(null=True, blank=True)
    separation_reason = models.CharField(
        max_length=32, choices=SeparationReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "membership__organization"

    class Meta:
        ordering = ["membership__user__last_name", "membership__user__first_name"]

    def __str__(self) -> str:
        return str(self.membership.user)

    def clean(self) -> None:
        if self.status == CertificationStatus.SEPARATED and not (
            self.separated_on and self.separation_reason
        ):
            raise ValidationError(
                {"separation_reason": "A separation needs its date and a reason."}
            )


class Certification(models.Model):
    """A state certification and its history: the issue (`issued_on` to `expires_on`), each
    renewal, and each lapse someone recorded. What decides billing on a day is the history
    on that day (`standing_on`), never the latest row."""

    profile = models.ForeignKey(
        PeerProfile, on_delete=models.PROTECT, related_name="certifications"
    )
    number = models.CharField(max_length=40)
    issued_on = models.DateField()
    # The issue's own expiry; a renewal adds a term of its own and leaves this as it was.
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "profile__membership__organization"
    rebilled = 0  # set by a service: how many encounters its change billed again

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "number", "issued_on"], name="one_record_per_certification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.issued_on})"

    # These read `renewals` and `lapses` through .all(), so a prefetch serves them.
    def terms(self) -> list[Term]:
        issue = Term(self.issued_on, self.expires_on)
        renewals = [Term(r.effective_on, r.expires_on) for r in self.renewals.all()]
        return sorted([issue, *renewals], key=lambda t: t.starts_on)

    def recorded_lapses(self) -> list[RecordedLapse]:
        return [
            RecordedLapse(lapse.starts_on, lapse.reinstated_on)
            for lapse in self.lapses.all()
            if lapse.withdrawn_at is None
        ]

    def standing_on(self, day: dt.date) -> DayStanding:
        return certification_on(day, terms=self.terms(), lapses=self.recorded_lapses())

    def is_active_on(self, day: dt.date) -> bool:
        return self.standing_on(day).certified

    @property
    def current_expiry(self) -> dt.date | None:
        """The expiry of the latest term (the issue, or the renewal taking effect last)."""
        return self.terms()[-1].expires_on

    @property
    def open_lapse(self) -> Lapse | None:
        """The recorded lapse still running (not reinstated, withdrawn or renewed out of)."""
        terms = self.terms()
        for lapse in self.lapses.all():
            if lapse.withdrawn_at is None and lapse_end(lapse.as_rule(), terms) is None:
                return lapse
        return None


class Renewal(models.Model):
    """A renewal: a new term from the day it takes effect through its new expiry."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="renewals"
    )
    # The day the renewed certification is in force from (the state's date, which may be
    # long before the day it was recorded here: `created_at`).
    effective_on = models.DateField("takes effect on")
    fee = models.DecimalField(max_digits=8, decimal_places=2)
    expires_on = models.DateField(help_text="The new expiry date after this renewal.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rebilled = 0  # set by a service: how many encounters its change billed again

    class Meta:
        ordering = ["-effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "effective_on", "expires_on"],
                name="one_record_per_renewal",
            )
        ]

    def __str__(self) -> str:
        return f"Renewed from {self.effective_on}"


class Lapse(models.Model):
    """A lapse someone recorded: the daily run noticing an expiry, or a suspension. It runs
    until a reinstatement or a renewal taking effect; withdrawn, it no longer counts but
    stays in the history."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="lapses"
    )
    starts_on = models.DateField("lapsed from")
    reinstated_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rebilled = 0  # set by a service: how many encounters its change billed again

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            # The daily run and a manager recording the same lapse land once.
            models.UniqueConstraint(
                fields=["certification", "starts_on"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_lapse_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"Lapsed from {self.starts_on}"

    def as_rule(self) -> RecordedLapse:
        return RecordedLapse(self.starts_on, self.reinstated_on)


class Requirement(models.TextChoices):
    APPLICATION = "application", "Application submitted"
    FEE = "fee", "Application fee paid"
    TRAINING_HOURS = "training_hours", "40 hours of core-competency training"
    EXAM = "exam", "Exam passed at 80% or higher"
    SUPERVISION_AGREEMENT = "supervision_agreement", "Written agreement with a clinical supervisor"
    BACKGROUND_CHECK = "background_check", "Fingerprints and background check"
    RECOVERY_TWO_YEARS = "recovery_two_years", "Two years in recovery"
    ATTESTATION = "attestation", "Attestation of diagnosis, treatment and recovery"
    EMPLOYMENT_VERIFIED = "employment_verified", "Employment or job offer verified by employer"
    TRAINING_FEE = "training_fee", "Training fee paid"
    TRANSFER_CERTIFICATE = "transfer_certificate", "Active certification from another state"
    VOLUNTEER_HOURS = "volunteer_hours", "100 hours of volunteer experience"
    ADDITIONAL_TRAINING = "additional_training", "12 or more hours of additional training"


class VerifiedAs(models.TextChoices):
    """Who stands behind a checklist step: the peer, a manager or admin, or a record the
    app keeps itself (a training certificate, a signed supervision agreement)."""

    PEER = "peer", "the peer"
    MANAGER = "manager", "a manager"
    RECORD = "record", "the app's records"


class ChecklistItem(models.Model):
    """One requirement of a peer's certification application, with its date and evidence,
    and who verified it (`updated_by`, in the capacity `verified_as`)."""

    profile = models.ForeignKey(PeerProfile, on_delete=models.PROTECT, related_name="checklist")
    requirement = models.CharField(max_length=32, choices=Requirement.choices)
    completed_on = models.DateField(null=True, blank=True)
    evidence = models.FileField(
        upload_to="evidence/%Y/%m/",
        storage=private_storage,
        blank=True,
        max_length=255,
        validators=[validate_upload],
    )
    note = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_as = models.CharField(max_length=16, choices=VerifiedAs.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "profile__membership__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "requirement"], name="one_item_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return self.get_requirement_display()

    @property
    def verified_by_manager(self) -> bool:
        """Done on a manager's word or the app's own records: not the peer's to change."""
        return self.completed_on is not None and self.verified_as in (
            VerifiedAs.MANAGER,
            VerifiedAs.RECORD,
        )


class CeuSource(models.TextChoices):
    MANUAL = "manual", "Entered"
    IMPORT = "import", "Imported"
    TRAINING = "training", "Course completed in PeerPath"


class CeuEntry(models.Model):
    profile = models.ForeignKey(PeerProfile, on_delete=models.PROTECT, related_name="ceus")
    date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    topic = models.CharField(max_length=32, choices=Topic.choices, blank=True)
    certificate = models.FileField(
        upload_to="ceu-certificates/%Y/%m/",
        storage=private_storage,
        blank=True,
        max_length=255,
        validators=[validate_upload],
    )
    source = models.CharField(max_length=16, choices=CeuSource.choices, default=CeuSource.MANUAL)
    # Makes a credit from an import row or a completed course land once, however often retried.
    source_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "profile__membership__organization"

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "CEU entry"
        verbose_name_plural = "CEU entries"

    def __str__(self) -> str:
        return f"{self.date} {self.hours}h {self.title}"


REMINDER_LABELS = {
    Reminder.PROGRESS: "Monthly CEU progress",
    Reminder.BEHIND: "Behind on CEUs",
    Reminder.ESCALATION: "Manager told: peer short of CEUs",
    Reminder.RENEWAL: "Certification renewal due",
}


class SentReminder(models.Model):
    """A reminder that went out. The unique key makes a second send of the same reminder
    impossible, even from two workers at the same moment."""

    profile = models.ForeignKey(PeerProfile, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(
        max_length=24, choices=[(k.value, v) for k, v in REMINDER_LABELS.items()]
    )
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"
