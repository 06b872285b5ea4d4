from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth import password_validation

from programs.models import Membership, Organization, Program, Role

PASSWORDS_DIFFER = "The two passwords do not match."


class OneTimeKeyMixin(forms.Form):
    """A fresh key in every blank form: the service records a submission once however
    often the same form is sent (a double tap, a retry after a dropped connection)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())


class ProgramForm(forms.ModelForm[Program]):
    class Meta:
        model = Program
        fields = ["name", "description", "is_active", "caseload_limit", "weekly_hours_limit"]
        labels = {"is_active": "Program is running"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left blank, the limits keep their defaults.
        self.fields["caseload_limit"].required = False
        self.fields["weekly_hours_limit"].required = False


class _ProgramChoiceMixin:
    """A checkbox list of the organization's own programs, and no others."""

    def _limit_programs(self, organization: Organization, *, closed_too: bool = False) -> None:
        field = self.fields["programs"]  # type: ignore[attr-defined]
        # The widget first: setting the queryset is what hands the choices to the widget.
        field.widget = forms.CheckboxSelectMultiple()
        programs = Program.objects.filter(organization=organization)
        field.queryset = programs if closed_too else programs.filter(is_active=True)
        field.required = False
        field.help_text = "Which programs this person works in."


class InvitationForm(_ProgramChoiceMixin, forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices)
    programs = forms.ModelMultipleChoiceField(queryset=Program.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_programs(organization)


class MembershipForm(_ProgramChoiceMixin, forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["role", "programs", "is_active"]
        labels = {"is_active": "Active member (can sign in to this organization)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Closed programs stay listed, or saving would silently drop them from the person.
        self._limit_programs(self.instance.organization, closed_too=True)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        strip=False,
    )
    password2 = forms.CharField(
        label="Type it again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", PASSWORDS_DIFFER)
        elif p1:
            from config.accounts.models import User

            probe = User(
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


YES_NO = [("yes", "Yes"), ("no", "No")]


class ReadinessForm(OneTimeKeyMixin, forms.Form):
    """The ten statements, each yes or no with an optional comment."""

    assessed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from programs.rules import READINESS_STATEMENTS

        super().__init__(*args, **kwargs)
        for code, text in READINESS_STATEMENTS.items():
            self.fields[code] = forms.ChoiceField(
                label=text, choices=YES_NO, widget=forms.RadioSelect
            )
            self.fields[f"{code}_comment"] = forms.CharField(
                label="Comment (optional)", max_length=300, required=False
            )
        self.fields["notes"] = forms.CharField(
            label="Notes for the record", required=False, widget=forms.Textarea(attrs={"rows": 2})
        )

    def answers(self) -> dict[str, tuple[bool, str]]:
        from programs.rules import READINESS_STATEMENTS

        data = self.cleaned_data
        return {c: (data[c] == "yes", data[f"{c}_comment"]) for c in READINESS_STATEMENTS}


class ReadinessPlanForm(forms.Form):
    """An action, owner and target date for each 'no'."""

    def __init__(
        self, *args: Any, noes: list[tuple[str, str]], organization: Organization, **kwargs: Any
    ) -> None:
        from config.accounts.models import User

        super().__init__(*args, **kwargs)
        owners = User.objects.filter(
            memberships__organization=organization, memberships__is_active=True
        ).order_by("last_name", "first_name")
        self.noes = noes
        for code, text in noes:
            self.fields[f"{code}_action"] = forms.CharField(
                label=f"What we will do: {text}", max_length=300, required=False
            )
            self.fields[f"{code}_owner"] = forms.ModelChoiceField(
                label="Owner", queryset=owners, required=False
            )
            self.fields[f"{code}_target"] = forms.DateField(
                label="Target date",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=())
    file = forms.FileField(
        label="File (CSV or Excel .xlsx)",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    sheet = forms.CharField(
        label="Sheet (Excel only)",
        required=False,
        max_length=100,
        help_text="Leave blank to read the first sheet.",
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose…"), *kinds]  # type: ignore[attr-defined]
