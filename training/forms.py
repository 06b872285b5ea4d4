"""Training forms. They parse what was typed; the rules (capacity, quarter hours, the exam
once) are `training.services`' and come back as errors by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from certification.rules import HOURS_RANGE, is_hours_in_a_day
from programs.models import Membership, Organization, Role
from training.models import Course, Enrollment, Trail, TrainingSession

VIRTUAL = "Virtual"
PLACE_NEEDED = 'Enter where the session takes place, or tick "Virtual".'
ENDS_BEFORE_START = "The last day cannot come before the first."
_open_field = TrainingSession._meta.get_field("open_to_other_organizations")
OPEN_LABEL = "Open to people of other organizations"
OPEN_HELP = _open_field.help_text


def hours_text(hours: Decimal | None) -> str:
    """Hours as a person types them: 7.5, not 7.50; blank for none."""
    return "" if hours is None else f"{hours.normalize():f}"


class TrailForm(forms.Form):
    """A person joining a session themselves: only how they came to the training."""

    trail = forms.ChoiceField(
        label="How you come to the training",
        choices=Trail.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class EnrollForm(TrailForm):
    """A trainer or admin enrolling a person by name and e-mail."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(label="E-mail")
    trail = forms.ChoiceField(label="How they come to the training", choices=Trail.choices)

    field_order = ["name", "email", "trail"]


class OpenToOthersForm(forms.Form):
    open_to_other_organizations = forms.BooleanField(label=OPEN_LABEL, required=False)


class ExamForm(forms.Form):
    score = forms.DecimalField(
        label="Exam score (%)",
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    starts_on = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="Place", max_length=200, required=False)
    virtual = forms.BooleanField(label="Virtual (online)", required=False)
    trainer = forms.ModelChoiceField(queryset=Membership.objects.none())
    capacity = forms.IntegerField(label="Seats", min_value=1, max_value=500)
    fee = forms.DecimalField(
        label="Fee ($)", min_value=Decimal(0), max_digits=8, decimal_places=2, initial=Decimal(0)
    )
    open_to_other_organizations = forms.BooleanField(
        label=OPEN_LABEL, help_text=OPEN_HELP, required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(  # type: ignore[attr-defined]
            organization=organization, is_active=True
        )
        self.fields["trainer"].queryset = trainers_of(organization)  # type: ignore[attr-defined]
        self.fields["trainer"].label_from_instance = lambda m: (  # type: ignore[attr-defined]
            f"{m.user} ({m.get_role_display()})"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("virtual"):
            cleaned["place"] = VIRTUAL
        elif not (cleaned.get("place") or "").strip():
            self.add_error("place", PLACE_NEEDED)
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", ENDS_BEFORE_START)
        return cleaned


def trainers_of(organization: Organization) -> QuerySet[Membership]:
    """Who may run a session: the organization's active trainers and admins."""
    return (
        Membership.objects.filter(organization=organization, is_active=True, user__is_active=True)
        .filter(Q(role=Role.TRAINER) | Q(role=Role.ORG_ADMIN))
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def hours_field(enrollment_id: int) -> str:
    return f"hours-{enrollment_id}"


@dataclass(frozen=True)
class ParticipantRow:
    enrollment: Enrollment
    field: forms.BoundField


class AttendanceForm(forms.Form):
    """One day's hours for each participant; a blank input clears the day. The service's
    quarter-hour check is run per row here only to put the refusal on the right row."""

    def __init__(
        self,
        *args: Any,
        participants: Iterable[Enrollment],
        stored: Mapping[int, Decimal] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        stored = stored or {}
        for enrollment in self.participants:
            self.fields[hours_field(enrollment.pk)] = forms.DecimalField(
                label=enrollment.name,
                required=False,
                initial=hours_text(stored.get(enrollment.pk)),
            )

    @property
    def rows(self) -> list[ParticipantRow]:
        return [ParticipantRow(e, self[hours_field(e.pk)]) for e in self.participants]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for enrollment in self.participants:
            name = hours_field(enrollment.pk)
            hours = cleaned.get(name)
            if hours is None:
                continue
            if not is_hours_in_a_day(hours):
                self.add_error(name, HOURS_RANGE)
        return cleaned

    def hours_to_save(self) -> dict[int, Decimal | None]:
        """Rows sent with the form (a row not sent is left as it is)."""
        return {
            e.pk: self.cleaned_data.get(hours_field(e.pk))
            for e in self.participants
            if self.add_prefix(hours_field(e.pk)) in self.data
        }
