"""Forms for the cost assumptions and the program cost lines. They read what was typed;
the checks (ranges, dates, sources) are the services' in encounters.reporting.assumptions,
shown by the field they are about."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from encounters.models import Alternative
from encounters.reporting.models import CostCategory
from programs.models import Program

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"})
ZERO_LABELS = ", ".join(
    f"“{Alternative(code).label}”"
    for code in (Alternative.NONE, Alternative.FRIEND_OR_FAMILY, Alternative.USED_SUBSTANCES)
)


class AlternativeCostForm(forms.Form):
    alternative = forms.ChoiceField(
        label="Alternative",
        choices=[("", "Choose…"), *Alternative.choices],
        help_text="As people answer “what would you have done without a peer?” on the survey.",
    )
    unit_cost = forms.DecimalField(
        label="Cost of one ($)",
        widget=MONEY_INPUT,
        help_text=(
            "What one of them costs: one 911 response, one emergency department visit, one "
            f"night in hospital, detox or jail. $0 is allowed; it is the usual figure for "
            f"{ZERO_LABELS}, which cost public services nothing directly."
        ),
    )
    # Required by the service, which says why; left optional here so a missing source is
    # reported together with any other problem in one go.
    source = forms.CharField(
        label="Source (required)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Where the figure comes from, so a funder can check it: the document, who published "
            "it and when (e.g. “County sheriff's budget 2026, cost per call, page 14”)."
        ),
    )
    effective_from = forms.DateField(
        label="In force from",
        widget=DATE_INPUT,
        help_text=(
            "Each answer is priced at the value in force on its encounter's date. A second value "
            "for the same alternative and date replaces the first."
        ),
    )


class ProgramCostForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label="Choose…")
    category = forms.ChoiceField(choices=[("", "Choose…"), *CostCategory.choices])
    amount = forms.DecimalField(
        label="Amount ($)",
        widget=MONEY_INPUT,
        help_text=(
            "The whole amount for the dates below. A report counts the share of it that falls "
            "in its period, day by day."
        ),
    )
    starts_on = forms.DateField(label="First day", widget=DATE_INPUT)
    ends_on = forms.DateField(
        label="Last day",
        widget=DATE_INPUT,
        help_text="Counted in. At most five years after the first day.",
    )
    note = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional: what it covers (e.g. “3 full-time recovery coaches”).",
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        field.queryset = programs  # type: ignore[attr-defined]
        if len(programs) == 1:
            field.initial = programs[0]
