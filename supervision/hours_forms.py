"""The hours-worked week: one input per day, Monday first; a blank day has no hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms

from supervision.services.hours import hours_problems


def day_field(day: dt.date) -> str:
    """The form field (and HTML input name) for one day's hours."""
    return f"day-{day.isoformat()}"


def hours_text(hours: Decimal | None) -> str:
    """Hours as a person types them: 7.5, not 7.50; blank for none."""
    return "" if hours is None else f"{hours.normalize():f}"


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    field: forms.BoundField
    future: bool


class HoursWeekForm(forms.Form):
    """Hours worked on each day of one week. The rules (quarter hours from 0 to 24, no
    future day) are `hours_set`'s; the form only parses the numbers and puts a
    refusal next to the day it is about, so the page can show it there."""

    def __init__(
        self,
        *args: Any,
        days: Sequence[dt.date],
        today: dt.date,
        stored: Mapping[dt.date, Decimal] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.days = list(days)
        self.today = today
        stored = stored or {}
        for day in self.days:
            self.fields[day_field(day)] = forms.DecimalField(
                label=f"{day:%A %b} {day.day}",
                required=False,
                initial=hours_text(stored.get(day)),
            )

    @property
    def rows(self) -> list[DayRow]:
        return [DayRow(day, self[day_field(day)], day > self.today) for day in self.days]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for day in self.days:
            name = day_field(day)
            hours = cleaned.get(name)
            if hours is None:
                continue
            # The service's own rule, asked per day here to say which day is wrong;
            # hours_set applies it again to the whole week.
            for message in hours_problems(day, hours, today=self.today).values():
                self.add_error(name, message)
        return cleaned

    def days_to_save(self) -> dict[dt.date, Decimal | None]:
        """Each day sent with the form, with its hours (None when left blank, which clears
        the day). Days not sent are left as they are; future days are never sent (their
        inputs are disabled), and one sent with hours is refused in clean()."""
        return {
            day: self.cleaned_data.get(day_field(day))
            for day in self.days
            if day <= self.today and self.add_prefix(day_field(day)) in self.data
        }


CONFIRM_SPAN_DAYS = 31
LAST_BEFORE_FIRST = "The last day must not come before the first."
SPAN_TOO_LONG = f"Confirm at most {CONFIRM_SPAN_DAYS} days at a time."


class HoursConfirmForm(forms.Form):
    """The days whose reported hours are confirmed (a week or a month as shown), and the
    page to go back to."""

    first = forms.DateField()
    last = forms.DateField()
    back = forms.ChoiceField(choices=[("ratio", "ratio"), ("week", "week")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", LAST_BEFORE_FIRST)
            elif (last - first).days >= CONFIRM_SPAN_DAYS:
                self.add_error("last", SPAN_TOO_LONG)
        return data
