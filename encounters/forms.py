from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Model, Q, QuerySet

from encounters.models import (
    Client,
    Encounter,
    Format,
    ModelPhase,
    Payer,
    ServiceType,
    Setting,
    SupportType,
)
from encounters.rules import NOT_BILLABLE_REASONS, OTHER_REASON, UNIT_MINUTES
from encounters.selectors import not_billable_q
from encounters.services.encounters import CLIENT_NEEDED, MAX_MINUTES
from encounters.services.payers import MAX_DAILY_CAP, MAX_UNIT_MINUTES, PayerTerms, RateTerms
from encounters.services.survey import CHOICE, MAX_CUSTOM_QUESTIONS, SCALE, YES_NO, Question
from programs.forms import OneTimeKeyMixin
from programs.models import Membership, Program, Role

PROGRAM_NEEDED = "Choose the program this group or outreach was for."
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def payers_for(organization_id: int, *, offered_or: int | None = None) -> QuerySet[Payer]:
    """The shared payers and the organization's own. With `offered_or`, only those still
    offered, plus that one (the payer an encounter being corrected already has)."""
    payers = Payer.objects.filter(Q(organization__isnull=True) | Q(organization_id=organization_id))
    if offered_or is None:
        return payers
    return payers.filter(Q(is_active=True) | Q(pk=offered_or))


def _choices(form: forms.Form, name: str, queryset: QuerySet[Any]) -> Any:
    """Limit a model choice field to `queryset` (what the member may pick)."""
    field = form.fields[name]
    field.queryset = queryset  # type: ignore[attr-defined]
    return field


class EncounterForm(OneTimeKeyMixin, forms.Form):
    """One screen for the common case; the DAP note and referrals fold away."""

    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False)
    format = forms.ChoiceField(choices=Format.choices, initial=Format.INDIVIDUAL)
    head_count = forms.IntegerField(
        label="People present", min_value=1, max_value=500, required=False, initial=1
    )
    program = forms.ModelChoiceField(queryset=Program.objects.none(), required=False)
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(label="Started at", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label="Minutes",
        min_value=1,
        max_value=MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    setting = forms.ChoiceField(choices=Setting.choices)
    phase = forms.ChoiceField(label="Model phase", choices=ModelPhase.choices)
    support_types = forms.MultipleChoiceField(label="Type of support", choices=SupportType.choices)
    service_type = forms.ChoiceField(
        label="Billable service",
        choices=[("", "Not billable"), *ServiceType.choices],
        required=False,
    )
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.none(), required=False, empty_label="None"
    )
    note_data = forms.CharField(
        label="Data: what happened, what the person said",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    note_assessment = forms.CharField(
        label="Assessment: your peer view of where they are today (no diagnosis)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    note_plan = forms.CharField(
        label="Plan: next steps you agreed on",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    referrals = forms.CharField(
        label="Referrals made", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        *args: Any,
        peer: Membership,
        clients: QuerySet[Client],
        programs: QuerySet[Program] | None = None,
        payer_kept: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.peer = peer
        self.client_choices = clients
        self.program_choices = (
            programs if programs is not None else peer.programs.filter(is_active=True)
        )
        _choices(self, "client", clients)
        _choices(self, "program", self.program_choices)
        _choices(self, "payer", payers_for(peer.organization_id, offered_or=payer_kept or 0))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        client: Client | None = data.get("client")
        if client is not None:
            data["program"] = client.program
        elif not data.get("program"):
            programs = list(self.program_choices)
            if len(programs) == 1:
                data["program"] = programs[0]
            elif data.get("format") != Format.INDIVIDUAL:
                self.add_error("program", PROGRAM_NEEDED)
            elif "client" not in self.errors:
                self.add_error("client", CLIENT_NEEDED)
        if data.get("format") == Format.INDIVIDUAL:
            data["head_count"] = 1
        return data


def encounter_initial(encounter: Encounter) -> dict[str, Any]:
    """A saved encounter as the form's values, for correcting it."""
    return {
        "client": encounter.client_id,
        "format": encounter.format,
        "head_count": encounter.head_count,
        "program": encounter.program_id,
        "date": encounter.date,
        "start_time": encounter.start_time,
        "duration_minutes": encounter.duration_minutes,
        "setting": encounter.setting,
        "phase": encounter.phase,
        "support_types": encounter.support_types,
        "service_type": encounter.service_type,
        "payer": encounter.payer_id,
        "note_data": encounter.note_data,
        "note_assessment": encounter.note_assessment,
        "note_plan": encounter.note_plan,
        "referrals": encounter.referrals,
    }


class ClientForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none())
    code = forms.CharField(
        label="Client code",
        max_length=40,
        help_text="The pseudonymous code used day to day. Not the person's initials.",
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional. Seen only by the assigned peer, managers and admins.",
    )
    contact = forms.CharField(
        max_length=300, required=False, help_text="Optional phone or e-mail, for the same people."
    )
    assigned_peer = forms.ModelChoiceField(
        label="Peer supporter", queryset=Membership.objects.none(), required=False
    )
    enrolled_on = forms.DateField(label="Enrolled on", widget=DATE_INPUT)
    discharged_on = forms.DateField(label="Discharged on", widget=DATE_INPUT, required=False)

    def __init__(
        self, *args: Any, membership: Membership, programs: QuerySet[Program], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "program", programs)
        if membership.role == Role.PEER_SUPPORTER:
            del self.fields["assigned_peer"]
        else:
            peer_field = _choices(
                self,
                "assigned_peer",
                Membership.objects.filter(
                    organization=membership.organization,
                    role=Role.PEER_SUPPORTER,
                    is_active=True,
                    programs__in=programs,
                )
                .distinct()
                .select_related("user"),
            )
            peer_field.label_from_instance = lambda m: str(m.user)


class SurveyForm(forms.Form):
    """The survey as the person sees it: every question optional, big choices."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            hint = (
                f"{q.low} means {q.low_label.lower()}, {q.high} means {q.high_label.lower()}."
                if q.kind == SCALE and q.low_label
                else ""
            )
            self.fields[q.key] = forms.ChoiceField(
                label=q.text,
                choices=q.options(),
                required=False,
                widget=forms.RadioSelect,
                help_text=hint,
            )
            # Long answers read best one per line; numbers sit side by side.
            self.fields[q.key].stacked = q.kind == CHOICE  # type: ignore[attr-defined]

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in self.questions:
            value = self.cleaned_data.get(q.key) or None
            out[q.key] = int(value) if value is not None and q.kind == SCALE else value
        return out


class SurveyQuestionsForm(forms.Form):
    """Rewording the standard questions, and questions of the organization's own."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"text_{q.key}"] = forms.CharField(
                label=q.text if q.standard else "Your question",
                initial=q.text,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if not q.standard:
                self.fields[f"remove_{q.key}"] = forms.BooleanField(
                    label="Remove this question", required=False
                )
        if sum(1 for q in questions if not q.standard) < MAX_CUSTOM_QUESTIONS:
            self.fields["new_text"] = forms.CharField(
                label="Add a question of your own",
                max_length=300,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Ask about the service, not about health details that could "
                "identify the person.",
            )
            self.fields["new_kind"] = forms.ChoiceField(
                label="Answered with",
                choices=[(SCALE, "A scale from 1 to 5"), (YES_NO, "Yes or no")],
                required=False,
            )

    def question_list(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out: list[dict[str, Any]] = []
        for q in self.questions:
            if not q.standard and data.get(f"remove_{q.key}"):
                continue
            out.append({"key": q.key, "text": data[f"text_{q.key}"], "kind": q.kind})
        if data.get("new_text", "").strip():
            used = {q.key for q in self.questions}
            n = 1
            while f"own_{n}" in used:
                n += 1
            out.append({"key": f"own_{n}", "text": data["new_text"], "kind": data["new_kind"]})
        return out


class EncounterFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DATE_INPUT
    )
    peer = django_filters.ModelChoiceFilter(queryset=Membership.objects.none(), label="Peer")
    support_type = django_filters.ChoiceFilter(
        choices=SupportType.choices, method="filter_support", label="Support"
    )
    service_type = django_filters.ChoiceFilter(
        choices=[("none", "Not billable service"), *ServiceType.choices],
        method="filter_service",
        label="Service",
    )
    payer = django_filters.ModelChoiceFilter(queryset=Payer.objects.none())
    setting = django_filters.ChoiceFilter(choices=Setting.choices)
    billable = django_filters.BooleanFilter(label="Billable")
    not_billable = django_filters.ChoiceFilter(
        choices=[(r.code, r.label) for r in (*NOT_BILLABLE_REASONS, OTHER_REASON)],
        method="filter_not_billable",
        label="Why it did not bill",
    )

    class Meta:
        model = Encounter
        fields: list[str] = []

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        peers = Membership.objects.for_member(membership).filter(role=Role.PEER_SUPPORTER)
        self.filters["peer"].queryset = peers.select_related("user")
        self.filters["peer"].field.label_from_instance = lambda m: str(m.user)
        self.filters["payer"].queryset = payers_for(membership.organization_id)
        if membership.role == Role.PEER_SUPPORTER:
            del self.filters["peer"]
        for f in self.form.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)

    def audited_values(self) -> dict[str, Any]:
        """The filters as read (the form's cleaned values, never the raw query string): a
        value that did not pass its field is left out, a chosen record is named by its key."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        out: dict[str, Any] = {}
        for name, value in cleaned.items():
            if value in (None, "", [], ()):
                continue
            if isinstance(value, Model):
                value = value.pk
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[name] = value
        return out

    def filter_support(self, qs: QuerySet[Encounter], name: str, value: str) -> QuerySet[Encounter]:
        return qs.filter(**{value: True}) if value in SupportType.values else qs

    def filter_not_billable(
        self, qs: QuerySet[Encounter], name: str, value: str
    ) -> QuerySet[Encounter]:
        return qs.filter(not_billable_q(value))

    def filter_service(self, qs: QuerySet[Encounter], name: str, value: str) -> QuerySet[Encounter]:
        return qs.filter(service_type="" if value == "none" else value)


class RateForm(forms.Form):
    effective_from = forms.DateField(
        label="In force from",
        widget=DATE_INPUT,
        help_text="Encounters on or after this date, until the next rate starts, bill at it.",
    )
    unit_amount = forms.DecimalField(
        label="Paid per unit ($)",
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    unit_minutes = forms.IntegerField(
        label="Minutes in a unit",
        min_value=1,
        max_value=MAX_UNIT_MINUTES,
        initial=UNIT_MINUTES,
        help_text="A unit counts once more than half of it was delivered.",
    )

    def terms(self) -> RateTerms:
        d = self.cleaned_data
        return RateTerms(d["effective_from"], d["unit_amount"], d["unit_minutes"])


class PayerForm(forms.Form):
    """An organization's own payer: a county contract, a grant paying per unit, a health
    plan. Creating one asks for its first rate too."""

    code = forms.SlugField(
        max_length=40,
        help_text="Short and fixed, used in imports: lower case, digits and hyphens "
        "(e.g. county-crisis).",
    )
    name = forms.CharField(max_length=120, help_text="As peers see it on the encounter form.")
    requires_certification = forms.BooleanField(
        label="Pays only for certified peers",
        required=False,
        initial=True,
        help_text="An encounter by a peer with no active certification that day does not bill.",
    )
    daily_unit_cap = forms.IntegerField(
        label="Most units per client per day",
        min_value=1,
        max_value=MAX_DAILY_CAP,
        required=False,
        help_text="Leave blank for no limit. The earliest encounters of the day use it up.",
    )
    is_active = forms.BooleanField(
        label="Offered on the encounter form",
        required=False,
        initial=True,
        help_text="Untick when the contract ends; encounters already logged keep this payer.",
    )
    rebill_from = forms.DateField(
        label="Apply the new terms from",
        widget=DATE_INPUT,
        required=False,
        help_text="When you change the certification rule or the daily limit, encounters "
        "from this date on are billed again by the new terms.",
    )

    def __init__(self, *args: Any, payer: Payer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payer = payer
        if payer is None:
            del self.fields["rebill_from"]
            rate = RateForm(*args, **kwargs)
            self.fields.update(rate.fields)
        else:
            del self.fields["code"]

    def terms(self) -> PayerTerms:
        d = self.cleaned_data
        return PayerTerms(
            name=d["name"],
            requires_certification=d["requires_certification"],
            daily_unit_cap=d["daily_unit_cap"],
            is_active=d["is_active"],
        )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).lower()

    def first_rate(self) -> RateTerms:
        d = self.cleaned_data
        return RateTerms(d["effective_from"], d["unit_amount"], d["unit_minutes"])
