"""Clients (participants), encounters with them, what encounters are billed at, and the
anonymous survey offered after each encounter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

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
    """Who pays for encounters. A payer with no organization (Medicaid) is shared by all
    and kept by the platform; an organization adds and keeps its own.

    `requires_certification` and `daily_unit_cap` are the payer's first terms; once its
    terms change on a date they live in `BillingTerms` rows, which decide billing."""

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
    is_active = models.BooleanField(
        "offered",
        default=True,
        help_text="Offered on the encounter form. Encounters already logged keep their payer.",
    )

    objects = ScopedQuerySet.as_manager()
    # Scoped to the organization's own payers: shared ones are read, never changed, by members.
    organization_lookup: ClassVar[str] = "organization"

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
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "payer__organization"

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


class BillingTerms(models.Model):
    """A payer's billing terms from a date on, as rates are: whether only certified peers
    bill and the most units a client may bill in a day. The terms in force on an
    encounter's date apply to it (a unit's length is the rate's, which has dates too)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="terms")
    effective_from = models.DateField()
    requires_certification = models.BooleanField(default=True)
    daily_unit_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "payer__organization"

    class Meta:
        ordering = ["payer", "-effective_from"]
        verbose_name_plural = "billing terms"
        constraints = [
            models.UniqueConstraint(fields=["payer", "effective_from"], name="one_terms_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.payer}: terms from {self.effective_from}"


class Setting(models.TextChoices):
    OFFICE = "office", "Office"
    COMMUNITY = "community", "Community"
    HOME = "home", "Home visit"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department"
    CRISIS_CALL = "crisis_call", "Crisis call"
    JAIL = "jail", "Jail"
    DROP_IN_CENTER = "drop_in_center", "Drop-in center"


REMOTE_SETTINGS = frozenset({Setting.PHONE, Setting.VIDEO, Setting.CRISIS_CALL})


class Format(models.TextChoices):
    INDIVIDUAL = "individual", "One-on-one"
    GROUP = "group", "Support group"
    OUTREACH = "outreach", "Outreach"


class SupportType(models.TextChoices):
    EMOTIONAL = "emotional", "Emotional"
    INFORMATIONAL = "informational", "Informational"
    INSTRUMENTAL = "instrumental", "Practical help"
    AFFILIATION = "affiliation", "Connection"


class ServiceType(models.TextChoices):
    """Montana Medicaid's billable peer support services."""

    SKILLS_COACHING = "skills_coaching", "Coaching to restore skills"
    SELF_ADVOCACY = "self_advocacy", "Self-advocacy support"
    CRISIS_RELAPSE = "crisis_relapse", "Crisis or relapse support"
    COMMUNITY_RESOURCES = "community_resources", "Using community resources"
    NATURAL_SUPPORTS = "natural_supports", "Natural supports and socializing"


class Encounter(models.Model):
    """One contact between a peer supporter and a client, a group or people met in outreach.

    The billing fields are worked out by the service when the encounter is saved (see
    `rules.billing_decision`); units and amount are zero when it is not billable.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="encounters")
    peer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="encounters")
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="encounters", null=True, blank=True
    )
    head_count = models.PositiveSmallIntegerField(
        "people present", default=1, help_text="For a group or outreach: how many people."
    )
    date = models.DateField()
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    setting = models.CharField(max_length=24, choices=Setting.choices)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.INDIVIDUAL)
    phase = models.CharField("model phase", max_length=16, choices=ModelPhase.choices)
    emotional = models.BooleanField(default=False)
    informational = models.BooleanField(default=False)
    instrumental = models.BooleanField(default=False)
    affiliation = models.BooleanField(default=False)
    service_type = models.CharField(max_length=24, choices=ServiceType.choices, blank=True)
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, related_name="encounters", null=True, blank=True
    )
    note_data = models.TextField("data", blank=True)
    note_assessment = models.TextField("assessment", blank=True)
    note_plan = models.TextField("plan", blank=True)
    referrals = models.TextField("referrals made", blank=True)
    # Worked out when saved.
    billable = models.BooleanField(default=False)
    not_billable_reason = models.CharField(max_length=200, blank=True)
    units = models.PositiveSmallIntegerField(default=0)
    amount = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal(0))
    rate = models.ForeignKey(
        Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Idempotency: the form's one-time key, or the row's id in an imported file.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    external_id = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=16, default="app", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        indexes = [
            models.Index(fields=["organization", "date"]),
            models.Index(fields=["peer", "date"]),
            models.Index(fields=["client", "date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="encounter_external_id_per_org",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="encounter_has_a_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M} · {self.get_format_display()}"

    @property
    def support_types(self) -> list[str]:
        return [t for t in SupportType.values if getattr(self, t)]

    def support_type_labels(self) -> list[str]:
        return [SupportType(t).label for t in self.support_types]

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.duration_minutes) / 60).quantize(Decimal("0.01"))


# ----- The anonymous survey ---------------------------------------------------------------


class Alternative(models.TextChoices):
    """What the person would have done had no peer supporter been there."""

    NONE = "none", "Nothing"
    FRIEND_OR_FAMILY = "friend_or_family", "Called a friend or family"
    CRISIS_LINE = "crisis_line", "Called a crisis line"
    CALLED_911 = "called_911", "Called 911"
    EMERGENCY_DEPARTMENT = "emergency_department", "Gone to the emergency room"
    INPATIENT = "inpatient", "Gone into hospital"
    CRISIS_BED = "crisis_bed", "Gone to detox or a crisis bed"
    JAIL = "jail", "Ended up arrested or in jail"
    USED_SUBSTANCES = "used_substances", "Used alcohol or drugs"
    OTHER = "other", "Something else"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = "prefer_not", "I'd rather not say"


class SurveyQuestionSet(models.Model):
    """One version of an organization's survey. Editing makes a new version; each answer
    keeps the version it answered."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="survey_versions"
    )
    version = models.PositiveIntegerField()
    # [{"key": "satisfaction", "text": "...", "required": false}, ...]; see survey.py.
    questions = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        ordering = ["organization", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="one_survey_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"Survey version {self.version}"


class SurveyChannel(models.TextChoices):
    HANDOVER = "handover", "Handed the phone over"
    LINK = "link", "Link or QR code"
    IMPORT = "import", "Imported"


class SurveyResponse(models.Model):
    """One person's answers after one encounter. Kept for counting and aggregates only:
    no screen, export or report shows one response."""

    encounter = models.OneToOneField(
        Encounter, on_delete=models.PROTECT, related_name="survey_response"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    question_set = models.ForeignKey(
        SurveyQuestionSet, on_delete=models.PROTECT, related_name="responses", null=True
    )
    channel = models.CharField(max_length=16, choices=SurveyChannel.choices)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    wellbeing = models.PositiveSmallIntegerField(null=True, blank=True)
    alternative = models.CharField(max_length=24, choices=Alternative.choices, blank=True)
    other_services = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    relapse = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    # The day only: the time of answering adds nothing to any figure.
    submitted_on = models.DateField()
    # A copy of the encounter's date, by which every survey figure is counted: with it an
    # index finds a period's responses without reading each one's encounter. Set when the
    # response is written (`save`, below, for a caller that did not) and again when the
    # encounter's date is corrected (encounter_save).
    encounter_date = models.DateField()

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__range=(1, 5)),
                name="satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(wellbeing__isnull=True) | Q(wellbeing__range=(1, 10)),
                name="wellbeing_1_to_10",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "encounter_date"], name="survey_org_encounter_date"
            )
        ]

    def __str__(self) -> str:
        return f"Survey response #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.encounter_date is None:
            self.encounter_date = self.encounter.date
        super().save(*args, **kwargs)


class SurveyLink(models.Model):
    """A one-time way into the survey for one encounter: the phone handed over, or a link
    (or QR code) sent to the person. Only a hash of the token is stored."""

    encounter = models.OneToOneField(
        Encounter, on_delete=models.PROTECT, related_name="survey_link"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=16, choices=SurveyChannel.choices)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    organization_lookup: ClassVar[str] = "organization"

    def __str__(self) -> str:
        return f"Survey link for encounter #{self.encounter_id}"
