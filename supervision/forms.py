from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from encounters.models import Client
from programs.forms import OneTimeKeyMixin
from programs.models import Membership, Role
from programs.uploads import ACCEPT, UPLOAD_HELP, validate_upload
from supervision.models import LicenseType, Topic
from supervision.services.logs import END_NOT_AFTER_START, LogInput

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PeerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user)


class LogForm(OneTimeKeyMixin, forms.Form):
    """The supervision log as the supervisor writes it during or after the session."""

    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(label="Started at", widget=TIME_INPUT)
    end_time = forms.TimeField(label="Ended at", widget=TIME_INPUT)
    supervisees = PeerChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick everyone present; a group session counts in full for each of them.",
    )
    topics = forms.MultipleChoiceField(
        label="Topics covered",
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    clients = forms.ModelMultipleChoiceField(
        label="Clients discussed",
        queryset=Client.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="By code only. Each is recorded with the model phase they are in today.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What was worked on and agreed. Supervision is not therapy: keep to the work.",
    )
    signoff_assessments = forms.BooleanField(
        label="I have reviewed the supervisees' assessments, interpretations and referrals.",
        required=False,
    )
    signoff_interventions = forms.BooleanField(
        label="I have reviewed their support interventions, assessment results and planning "
        "interventions.",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        supervisees: QuerySet[Membership],
        clients: QuerySet[Client],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisees"].queryset = supervisees.select_related("user")  # type: ignore[attr-defined]
        self.fields["clients"].queryset = clients  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", END_NOT_AFTER_START)
        return data

    def log_input(self) -> LogInput:
        d = self.cleaned_data
        return LogInput(
            date=d["date"],
            start_time=d["start_time"],
            end_time=d["end_time"],
            supervisees=list(d["supervisees"]),
            topics=list(d["topics"]),
            clients=[(c, c.phase) for c in d["clients"]],
            notes=d["notes"],
            signoff_assessments=d["signoff_assessments"],
            signoff_interventions=d["signoff_interventions"],
        )


class SignForm(forms.Form):
    # The version of the log the supervisor was shown: another one is not signed.
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    credential = forms.CharField(
        label="Your password, or a code from your authenticator app",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing is your signature: nobody can change the log afterwards.",
    )


class AddendumForm(OneTimeKeyMixin, SignForm):
    text = forms.CharField(
        label="Addendum",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What it adds or corrects. The log stays as it was signed, above this.",
    )

    field_order = ["text", "credential"]


class SupervisorProfileForm(forms.Form):
    license_type = forms.ChoiceField(choices=[("", "Choose…"), *LicenseType.choices])
    license_number = forms.CharField(max_length=60)
    licensed_on = forms.DateField(label="Licensed since", widget=DATE_INPUT)
    supervision_ceu_hours = forms.DecimalField(
        label="Clinical-supervision CEU hours",
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=0,
        help_text="Continuing education in clinical supervision. 20 hours make a supervisor "
        "eligible before 3 years of licensure.",
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user)


class AgreementForm(forms.Form):
    supervisor = MemberChoiceField(queryset=Membership.objects.none())
    supervisee = MemberChoiceField(label="Peer supporter", queryset=Membership.objects.none())
    starts_on = forms.DateField(label="Starts on", widget=DATE_INPUT)
    ends_on = forms.DateField(label="Ends on", widget=DATE_INPUT, required=False)
    supervisor_signed_on = forms.DateField(
        label="Signed by the supervisor on", widget=DATE_INPUT, required=False
    )
    supervisee_signed_on = forms.DateField(
        label="Signed by the peer on", widget=DATE_INPUT, required=False
    )
    document = forms.FileField(
        label="The signed agreement (PDF or image)",
        required=False,
        help_text=UPLOAD_HELP,
        validators=[validate_upload],
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    not_therapist = forms.BooleanField(
        label="The supervisor is not this peer's own therapist.",
        help_text="A peer's therapist may not also be their clinical supervisor.",
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(
            organization_id=organization_id, is_active=True
        ).select_related("user")
        self.fields["supervisor"].queryset = members.filter(  # type: ignore[attr-defined]
            role=Role.CLINICAL_SUPERVISOR
        )
        self.fields["supervisee"].queryset = members.filter(  # type: ignore[attr-defined]
            role=Role.PEER_SUPPORTER
        )


class RecordExportForm(forms.Form):
    peer = MemberChoiceField(label="Peer supporter", queryset=Membership.objects.none())
    start = forms.DateField(widget=DATE_INPUT)
    end = forms.DateField(widget=DATE_INPUT)

    def __init__(self, *args: Any, peers: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = peers.select_related("user")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start) > dt.timedelta(days=366 * 8):
                self.add_error("start", "Choose at most eight years.")
        return data
