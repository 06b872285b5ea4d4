"""Which survey figures may be shown: one decision for every report, page and export
(DOMAIN.md, "Small numbers").

Cells. The answers are counted in cells: one program x one calendar month (of the
encounter's date) x one question. A cell's n is the number of people who gave that question
a substantive answer (`answered`): a rating, a chosen alternative, "yes" or "no"; "I'd
rather not say" and a blank say nothing and are not counted, in n or in any figure's
denominator. People, not answers: a client's answers count once however many encounters
they had in the month (an encounter without a named client, a group or outreach, counts as
one person). A cell is withheld when 0 < n < SURVEY_MIN_RESPONSES (`cell_withheld`).

Figures. Every survey figure shown or exported (a mean, a count, a distribution, a share,
a dollar total) is built from one question's answers over a set of whole cells: those of
one program or several (an organization, a manager's programs) over whole calendar months
(the last may run to today). It is shown only when none of its cells is withheld (and the
period is whole months); a figure for one month decides on that month's cells alone.

Why no combination of shown figures can reveal a withheld cell. A withheld cell's answers
enter no figure that is shown: every figure whose cells include it is withheld with it
(the organization's total, the period's total, that month's figure, all programs on the
survey page). Every figure shown is therefore a sum (or a ratio of sums) over cells that
are not withheld, each holding the answers of at least the minimum of people or of none.
The difference of two such sums (the organization minus its other programs, a quarter
minus two of its months, all programs minus one) is again a sum over cells that are not
withheld, and so is any other combination: nothing shown depends on a withheld cell at
all. This is cell suppression with its complementary suppression decided at once, for all
scopes and periods, because the cells are fixed and every total containing a small one is
withheld.

The well-being change. A client's change (latest minus first answer) spans months, so it
cannot sit in a month's cell: over free periods, three overlapping ones could be subtracted
to leave one client's change. Its cells are therefore one program x one calendar quarter:
each client's change is taken within a quarter and a program, the figure is shown only over
whole quarters (`whole_quarters`), and a quarter's cell with fewer than the minimum of
clients who answered twice is withheld with every total containing it. The figure is then
a sum over quarter cells, and the argument above holds for it as it does for the months.

Limits, named so that they are not mistaken for covered: the month (and quarter) that runs
to today grows day by day, so two views on successive days differ by one day's answers; a
report of a past period run again after answers were imported into it, or an encounter
moved, differs by those answers; and when everyone in a shown cell gave the same answer, a
figure tells what each of them said, which no minimum prevents.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, Count, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import TruncMonth

from encounters.models import SurveyResponse, YesNo
from programs.models import Organization, Program

QUESTIONS = ("satisfaction", "wellbeing", "alternative", "other_services", "relapse")
QUESTION_NAMES = {
    "satisfaction": "Satisfaction",
    "wellbeing": "Well-being",
    "alternative": "What they would have done without a peer",
    "other_services": "Other services used",
    "relapse": "Relapse",
}

PERIOD_NOT_WHOLE_MONTHS = "Survey figures are shown for whole calendar months only."
FEW_PEOPLE = "Fewer than {minimum} people answered this question in {cells}."
FEW_CLIENTS = "Fewer than {minimum} clients answered the well-being question twice within {cells}."
PERIOD_NOT_WHOLE_QUARTERS = (
    "The change in well-being is taken within calendar quarters, so it is shown for whole "
    "quarters only."
)
QUARTER_STARTS = (1, 4, 7, 10)


def whole_quarters(start: dt.date, end: dt.date, today: dt.date) -> bool:
    """A period is whole calendar quarters when it starts on January, April, July or
    October 1 and ends on the last day of a quarter's third month, or on today."""
    if start.day != 1 or start.month not in QUARTER_STARTS:
        return False
    if end == today:
        return True
    return end.month in (3, 6, 9, 12) and end.day == calendar.monthrange(end.year, end.month)[1]


@dataclass(frozen=True)
class QuarterCell:
    """The well-being change's cell: one program's clients within one calendar quarter."""

    program_id: int
    program: str
    quarter: dt.date  # its first day


def answered(question: str) -> Q:
    """The responses that give `question` a substantive answer: a rating, a chosen
    alternative, "yes" or "no"."""
    if question in ("satisfaction", "wellbeing"):
        return Q(**{f"{question}__isnull": False})
    if question == "alternative":
        return ~Q(alternative="")
    if question in ("other_services", "relapse"):
        return Q(**{f"{question}__in": (YesNo.YES, YesNo.NO)})
    raise ValueError(f"unknown survey question {question!r}")


def cell_withheld(people: int, minimum: int) -> bool:
    """A cell is withheld when some people, but fewer than `minimum`, answered its question."""
    return 0 < people < minimum


def whole_months(start: dt.date, end: dt.date, today: dt.date) -> bool:
    """A period is whole calendar months when it starts on a first of the month and ends on
    a month's last day or on today."""
    last_day = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return start.day == 1 and end in (last_day, today)


@dataclass(frozen=True)
class Cell:
    program_id: int
    program: str
    month: dt.date
    question: str


@dataclass(frozen=True)
class CellFigures:
    """The counts and sums asked for over one program's responses in one month."""

    program_id: int
    month: dt.date
    figures: dict[str, Any]


@dataclass(frozen=True)
class SurveyDisclosure:
    """What may be shown of the survey figures over one set of whole cells."""

    whole_months: bool
    minimum: int
    people: dict[Cell, int] = field(default_factory=dict)  # every cell with answers
    whole_quarters: bool = False
    # The figures asked for with the disclosure, by program and month (`survey_disclosure`).
    cell_figures: list[CellFigures] = field(default_factory=list)

    def total(self, name: str, *, month: dt.date | None = None) -> Any:
        """A figure asked for with the disclosure, added over the period's cells (or over
        one `month`'s): a count or a sum, never a mean."""
        return sum(
            (c.figures[name] or 0) for c in self.cell_figures if month is None or c.month == month
        )

    def withheld_cells(self, question: str, *, month: dt.date | None = None) -> list[Cell]:
        """The small cells of `question`, by program name, then program (names may repeat),
        then month: the order a reason names them in."""
        return sorted(
            (
                cell
                for cell, n in self.people.items()
                if cell.question == question
                and (month is None or cell.month == month)
                and cell_withheld(n, self.minimum)
            ),
            key=lambda c: (c.program, c.program_id, c.month),
        )

    def answered(self, question: str, *, month: dt.date | None = None) -> bool:
        """Whether anyone answered `question` in the period (or in `month`)."""
        return any(
            cell.question == question and (month is None or cell.month == month)
            for cell in self.people
        )

    def reason(self, question: str, *, month: dt.date | None = None) -> str:
        """Why the figures of `question` over the period (or over one `month` of it) are
        withheld, or "" when they may be shown. Without any answer there is nothing to
        withhold: the figure is simply empty."""
        if not self.answered(question, month=month):
            return ""
        if not self.whole_months:
            return PERIOD_NOT_WHOLE_MONTHS
        small = self.withheld_cells(question, month=month)
        if not small:
            return ""
        cells = "; ".join(f"{c.program} in {c.month:%B %Y}" for c in small)
        return FEW_PEOPLE.format(minimum=self.minimum, cells=cells)

    def change_reason(self, clients: Mapping[QuarterCell, int]) -> str:
        """Why the well-being change is withheld, or "": it needs every well-being cell
        shown, whole quarters, and no quarter cell (`clients`: how many clients answered
        twice within it) with fewer than the minimum."""
        if reason := self.reason("wellbeing"):
            return reason
        if not self.answered("wellbeing"):
            return ""  # nothing to withhold
        if not self.whole_quarters:
            return PERIOD_NOT_WHOLE_QUARTERS
        small = sorted(
            (c for c, n in clients.items() if cell_withheld(n, self.minimum)),
            key=lambda c: (c.program, c.program_id, c.quarter),
        )
        if not small:
            return ""
        cells = "; ".join(f"{c.program} in {_quarter_name(c.quarter)}" for c in small)
        return FEW_CLIENTS.format(minimum=self.minimum, cells=cells)


def _quarter_name(first_day: dt.date) -> str:
    return f"Q{(first_day.month - 1) // 3 + 1} {first_day.year}"


def survey_responses(
    organization: Organization,
    *,
    start: dt.date,
    end: dt.date,
    programs: Iterable[Program] | QuerySet[Program] | None = None,
) -> QuerySet[SurveyResponse]:
    """Whole cells: every response of the organization, or of these whole programs, whose
    encounter falls in the period. Figures are built over these and nothing narrower."""
    qs = SurveyResponse.objects.filter(
        organization=organization, encounter_date__gte=start, encounter_date__lte=end
    )
    return qs.filter(encounter__program__in=programs) if programs is not None else qs


def survey_disclosure(
    organization: Organization,
    *,
    start: dt.date,
    end: dt.date,
    programs: Iterable[Program] | QuerySet[Program] | None = None,
    figures: Mapping[str, Aggregate] | None = None,
) -> SurveyDisclosure:
    """The people in each cell of the period and the period rule, from which every survey
    figure over these cells is shown or withheld, in one pass over the responses. The
    counts and sums in `figures` are taken in the same pass, cell by cell (`total` adds
    them up), so that a report reads the responses once."""
    figures = dict(figures or {})

    def people(question: str) -> CombinedExpression:
        said = answered(question)
        return Count("encounter__client", distinct=True, filter=said) + Count(
            "pk", filter=said & Q(encounter__client__isnull=True)
        )

    rows = (
        survey_responses(organization, start=start, end=end, programs=programs)
        .annotate(month=TruncMonth("encounter_date"))
        .values("encounter__program", "encounter__program__name", "month")
        .annotate(**{f"people_{q}": people(q) for q in QUESTIONS}, **figures)
        .order_by()  # in no order: `withheld_cells` sorts what it names
    )
    cells = list(rows)
    counts = {
        Cell(row["encounter__program"], row["encounter__program__name"], row["month"], q): row[
            f"people_{q}"
        ]
        for row in cells
        for q in QUESTIONS
        if row[f"people_{q}"]
    }
    return SurveyDisclosure(
        whole_months=whole_months(start, end, organization.today()),
        whole_quarters=whole_quarters(start, end, organization.today()),
        minimum=int(settings.SURVEY_MIN_RESPONSES),
        people=counts,
        cell_figures=[
            CellFigures(row["encounter__program"], row["month"], {k: row[k] for k in figures})
            for row in cells
        ],
    )
