from __future__ import annotations

from decimal import Decimal

from django import forms

from certification.models import PeerProfile, Topic
from programs.forms import OneTimeKeyMixin
from programs.uploads import ACCEPT, UPLOAD_HELP, validate_upload


class CeuForm(OneTimeKeyMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        min_value=Decimal("0.25"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        help_text="In quarter hours: 1.5 is an hour and a half.",
    )
    title = forms.CharField(max_length=200, label="Course or event")
    provider = forms.CharField(max_length=200, required=False, label="Given by")
    topic = forms.ChoiceField(
        choices=[("", "—"), *Topic.choices], required=False, label="Core competency"
    )
    certificate = forms.FileField(
        required=False,
        label="Certificate (photo or PDF)",
        help_text=UPLOAD_HELP,
        validators=[validate_upload],
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ChecklistItemForm(forms.Form):
    completed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Done on"
    )
    evidence = forms.FileField(
        required=False,
        label="Evidence (photo or PDF)",
        validators=[validate_upload],
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    note = forms.CharField(max_length=200, required=False)


class CertificationForm(forms.Form):
    number = forms.CharField(max_length=40, label="Certification number")
    issued_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave blank if not known: the certification then counts as active.",
    )


DAY = forms.DateInput(attrs={"type": "date"})


class RenewalForm(forms.Form):
    certification = forms.IntegerField(widget=forms.HiddenInput)
    effective_on = forms.DateField(
        label="Takes effect on",
        widget=DAY,
        help_text="The first day of the renewed certification, as the state dates it; a "
        "renewal entered late still counts from this day.",
    )
    expires_on = forms.DateField(label="New expiry date", widget=DAY)
    fee = forms.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal(0))


class CertificationCorrectForm(forms.Form):
    certification = forms.IntegerField(widget=forms.HiddenInput)
    issued_on = forms.DateField(widget=DAY)
    expires_on = forms.DateField(required=False, widget=DAY)


class LapseForm(forms.Form):
    certification = forms.IntegerField(widget=forms.HiddenInput)
    lapsed_on = forms.DateField(label="Lapsed from", widget=DAY)
    reason = forms.CharField(max_length=200, required=False)


class ReinstateForm(forms.Form):
    certification = forms.IntegerField(widget=forms.HiddenInput)
    reinstated_on = forms.DateField(label="Reinstated from", widget=DAY)


class LapseWithdrawForm(forms.Form):
    certification = forms.IntegerField(widget=forms.HiddenInput)
    lapse = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=200, label="Why it was recorded in error")


class ProfileForm(forms.ModelForm[PeerProfile]):
    class Meta:
        model = PeerProfile
        fields = [
            "job_title",
            "status",
            "trail",
            "hire_date",
            "hours_per_week",
            "separated_on",
            "separation_reason",
        ]
        widgets = {
            "hire_date": forms.DateInput(attrs={"type": "date"}),
            "separated_on": forms.DateInput(attrs={"type": "date"}),
        }


class RecoveryRevealForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        label="Why do you need to see it?",
        help_text="Recorded in the audit log with your name.",
    )
