"""The report request form (which report, for what, over which period, and an optional
cost-savings scenario) and the schedule form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from encounters.models import Alternative
from encounters.reporting.models import AlternativeCost, ReportFrequency, ReportKind
from encounters.reporting.services import preset_period
from programs.forms import OneTimeKeyMixin
from programs.models import Membership, Program, Role

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ENTER_START = "Enter the first day of the period."
ENTER_END = "Enter the last day of the period."
ALL_PROGRAMS = "All programs"


def _span(start: dt.date, end: dt.date) -> str:
    if start.year == end.year:
        return f"{start:%b} {start.day} to {end:%b} {end.day}, {end.year}"
    return f"{start:%b} {start.day}, {start.year} to {end:%b} {end.day}, {end.year}"


def period_choices(today: dt.date) -> list[tuple[str, str]]:
    """The presets with the dates they stand for today, then custom dates."""
    month = preset_period("last_month", today)
    quarter = preset_period("last_quarter", today)
    year = preset_period("this_year", today)
    return [
        ("last_month", f"Last month ({month[0]:%B %Y})"),
        ("last_quarter", f"Last quarter ({_span(*quarter)})"),
        ("this_year", f"This year so far ({_span(*year)})"),
        ("custom", "Other dates"),
    ]


class _ProgramScope(forms.Form):
    """One program, or (for admins only) all of them."""

    program = forms.ModelChoiceField(
        label="Program", queryset=Program.objects.none(), required=False, empty_label=ALL_PROGRAMS
    )

    def _limit_programs(self, membership: Membership) -> None:
        field: forms.ModelChoiceField[Program] = self.fields["program"]  # type: ignore[assignment]
        field.queryset = Program.objects.for_member(membership).order_by("name")
        if membership.role != Role.ORG_ADMIN:
            # A manager reports on the programs they manage, never the whole organization.
            field.empty_label = None


class ReportRequestForm(OneTimeKeyMixin, _ProgramScope):
    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices, widget=forms.RadioSelect)
    period = forms.ChoiceField(label="Period", widget=forms.RadioSelect)
    start = forms.DateField(label="First day", widget=DATE_INPUT, required=False)
    end = forms.DateField(label="Last day", widget=DATE_INPUT, required=False)
    program_cost = forms.DecimalField(
        label="Program cost for the period ($)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )

    field_order = ["kind", "program", "period", "start", "end"]

    def __init__(
        self,
        *args: Any,
        membership: Membership,
        today: dt.date,
        costs: dict[str, AlternativeCost],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self._limit_programs(membership)
        self.fields["period"].choices = period_choices(today)  # type: ignore[attr-defined]
        self.initial.setdefault("period", "last_quarter")
        self.initial.setdefault("kind", ReportKind.COST_SAVINGS)
        # One optional override per alternative, beside the cost now in force.
        for code, label in Alternative.choices:
            cost = costs.get(code)
            self.fields[f"cost_{code}"] = forms.DecimalField(
                label=f"{label} ($ each)",
                min_value=0,
                max_digits=10,
                decimal_places=2,
                required=False,
                help_text=f"Now ${cost.unit_cost:,}" if cost else "No cost set",
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )

    def cost_fields(self) -> list[forms.BoundField]:
        return [self[f"cost_{code}"] for code in Alternative.values]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        period = data.get("period")
        if period == "custom":
            if data.get("start") is None and "start" not in self.errors:
                self.add_error("start", ENTER_START)
            if data.get("end") is None and "end" not in self.errors:
                self.add_error("end", ENTER_END)
        elif period:
            data["start"], data["end"] = preset_period(period, self.today)
        data["unit_costs"] = {
            code: data[f"cost_{code}"]
            for code in Alternative.values
            if data.get(f"cost_{code}") is not None
        }
        return data

    def scenario(self) -> tuple[dict[str, Decimal] | None, Decimal | None]:
        return self.cleaned_data["unit_costs"] or None, self.cleaned_data.get("program_cost")


class _RecipientChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user} ({obj.get_role_display()})"


class ReportScheduleForm(_ProgramScope):
    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices, widget=forms.RadioSelect)
    frequency = forms.ChoiceField(
        label="How often", choices=ReportFrequency.choices, widget=forms.RadioSelect
    )
    recipients = _RecipientChoice(
        label="Tell these people when it is ready",
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="They get a notification and an e-mail with a link, never the figures.",
    )

    field_order = ["kind", "program", "frequency", "recipients"]

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_programs(membership)
        self.initial.setdefault("frequency", ReportFrequency.QUARTERLY)
        self.initial.setdefault("kind", ReportKind.FUNDER)
        self.initial.setdefault("recipients", [membership.pk])
        field: _RecipientChoice = self.fields["recipients"]  # type: ignore[assignment]
        field.queryset = recipients_for(membership)


def recipients_for(membership: Membership) -> QuerySet[Membership]:
    """The organization's active admins and managers: the people a report can go to."""
    return (
        Membership.objects.filter(
            organization=membership.organization_id,
            is_active=True,
            user__is_active=True,
            role__in=[Role.ORG_ADMIN, Role.PROGRAM_MANAGER],
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )
