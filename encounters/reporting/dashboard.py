"""The manager home page's dashboard: the report figures for the last 90 days, with charts.

Every number comes from figures.py, the code that builds the cost-savings and funder
reports, over the same kind of Scope, so the screen and a report of the same period
never disagree. Only the satisfaction trend by month is added here, under the reports'
rule (survey_privacy): each month's mean is shown or withheld on that month's own cells,
and the period's mean is withheld whenever any month's is.

Who sees what: an organization admin sees the whole organization; a program manager sees
each of their programs on its own panel (at most MAX_PANELS; the reports page has the
rest), never a figure that mixes in a program they do not manage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.safestring import SafeString, mark_safe

from encounters.models import SupportType
from encounters.reporting import charts, figures
from encounters.reporting import funder as funder_report
from encounters.reporting import savings as savings_report
from encounters.reporting.figures import Scope
from programs.models import Membership, Program, Role

DASHBOARD_DAYS = 90
MAX_PANELS = 4
# Drawn narrow so that text stays legible when a chart is scaled down to a phone's width.
CHART_WIDTH = 360
# Short names of figures.COMPARISONS' return ratios, for the chart's labels.
COMPARISON_NAMES = {"Colorado": "Colorado center", "Gallatin": "Gallatin County"}


@dataclass(frozen=True)
class MonthSatisfaction:
    month: dt.date
    surveys: int
    mean: Decimal | None  # None when no one answered, or when withheld
    reason: str = ""  # why the mean is withheld ("" when it is not)

    @property
    def withheld(self) -> bool:
        return bool(self.reason)


def satisfaction_by_month(scope: Scope) -> list[MonthSatisfaction]:
    """The mean satisfaction (1 to 5) of each calendar month of the period, each shown or
    withheld on its own month's cells (survey_privacy), in two queries."""
    disclosure = scope.survey_disclosure()
    rows = {
        row["month"]: row
        for row in scope.responses()
        .annotate(month=TruncMonth("encounter__date"))
        .values("month")
        .annotate(surveys=Count("pk"), mean=Avg("satisfaction"))
        .order_by("month")
    }
    months = []
    for month in _months(scope):
        row = rows.get(month, {"surveys": 0, "mean": None})
        reason = disclosure.reason("satisfaction", month=month)
        mean = None if reason or row["mean"] is None else Decimal(str(row["mean"]))
        months.append(
            MonthSatisfaction(
                month=month,
                surveys=row["surveys"],
                mean=None if mean is None else mean.quantize(figures.CENT, ROUND_HALF_UP),
                reason=reason,
            )
        )
    return months


def dashboard_start(today: dt.date) -> dt.date:
    """The window starts on the first of a month, so that survey figures cover whole
    months (the reports' privacy rule): the first day of the month DASHBOARD_DAYS ago."""
    return (today - dt.timedelta(days=DASHBOARD_DAYS - 1)).replace(day=1)


def dashboard_scopes(membership: Membership, today: dt.date) -> tuple[list[Scope], int]:
    """The scopes the member's panels show, from `dashboard_start` to today, and how
    many of their programs are left off the page."""
    start = dashboard_start(today)
    if membership.role == Role.ORG_ADMIN:
        return [Scope(membership.organization, start, today)], 0
    programs = list(Program.objects.for_member(membership).order_by("-is_active", "name"))
    scopes = [Scope(membership.organization, start, today, p) for p in programs[:MAX_PANELS]]
    return scopes, max(0, len(programs) - MAX_PANELS)


def dashboard(membership: Membership, today: dt.date) -> dict[str, Any]:
    """The dashboard's panels (one per scope) for the last DASHBOARD_DAYS days."""
    scopes, left_off = dashboard_scopes(membership, today)
    return {
        "days": DASHBOARD_DAYS,
        "start": dashboard_start(today),
        "end": today,
        "panels": [panel(scope) for scope in scopes],
        "programs_left_off": left_off,
        "survey_minimum": settings.SURVEY_MIN_RESPONSES,
    }


def panel(scope: Scope) -> dict[str, Any]:
    """One scope's cards and charts. `funder` and `cost_savings` are the reports' own
    figures for the scope, kept whole so that a page or a test can compare them."""
    funder = funder_report.funder(scope)
    savings = savings_report.cost_savings(scope)
    weekly = weekly_encounters(scope)
    satisfaction = satisfaction_by_month(scope)
    name = scope.program.name if scope.program else "All programs"
    return {
        "title": name,
        "program": scope.program,
        "scope": scope,
        "funder": funder,
        "cost_savings": savings,
        "satisfaction_by_month": satisfaction,
        # No month of the trend can be shown (each month still decides on its own).
        "satisfaction_trend_withheld": any(m.withheld for m in satisfaction)
        and all(m.withheld for m in satisfaction if m.surveys),
        "cards": {
            "encounters": funder["encounters"],
            "clients_served": funder["clients_served"],
            "hours": funder["hours"],
            "satisfaction": funder["satisfaction_mean"],
            "satisfaction_withheld": "satisfaction_mean" in funder["withheld"],
            "satisfaction_reason": funder["withheld"].get("satisfaction_mean", ""),
            "surveys": funder["surveys"],
            "return_ratio": savings["return_ratio"],
            "return_ratio_text": return_ratio_text(savings),
            "gross_diversion_dollars": savings["gross_diversion_dollars"],
            "program_cost": savings["program_cost"],
        },
        "charts": {
            "weekly": _svg(
                charts.bar_chart(
                    _every_week(scope, weekly),
                    title=f"Encounters per week, {name}",
                    width=CHART_WIDTH,
                    height=200,
                )
            ),
            "support_types": _svg(
                charts.share_bar_chart(
                    [
                        (SupportType(s).label, funder["support_types_percent"][s])
                        for s in SupportType.values
                    ],
                    title=f"Share of encounters by type of support, {name}",
                    width=CHART_WIDTH,
                )
            ),
            "satisfaction": _svg(
                charts.bar_chart(
                    [(_month_label(m.month, scope), m.mean) for m in satisfaction],
                    title=f"Average satisfaction by month, on a scale of 1 to 5, {name}"
                    + _withheld_months(satisfaction, scope),
                    value_text=lambda v: f"{Decimal(str(v)):.2f}",
                    axis_text=charts.number_text,
                    width=CHART_WIDTH,
                    height=200,
                )
            ),
            "return_ratio": _svg(
                charts.bar_chart(
                    [("This period", savings["return_ratio"])]
                    + [
                        (_comparison_name(str(c["what"])), c["value"])
                        for c in figures.COMPARISONS
                        if c["unit"] == "ratio"
                    ],
                    title=f"Dollars returned per dollar spent, {name}, beside published programs",
                    value_text=lambda v: f"{Decimal(str(v)):.2f} to 1",
                    axis_text=charts.number_text,
                    width=CHART_WIDTH,
                    height=200,
                )
            ),
        },
    }


def return_ratio_text(savings: dict[str, Any]) -> str:
    """The return ratio as people say it ("2.50 to 1"), or why there is none."""
    ratio = savings["return_ratio"]
    if ratio is not None:
        return f"{ratio} to 1"
    if "return_ratio" in savings["withheld"]:
        return "withheld: too few people answered in a month"
    return "no program cost entered"


def _withheld_months(months: list[MonthSatisfaction], scope: Scope) -> str:
    """The chart's note of the months it leaves out (a chart would read them "no data")."""
    left_out = [_month_label(m.month, scope) for m in months if m.withheld]
    if not left_out:
        return ""
    return f"; withheld for {', '.join(left_out)}: too few people answered"


def _comparison_name(what: str) -> str:
    """A published comparison's short name for a chart label."""
    for key, name in COMPARISON_NAMES.items():
        if key in what:
            return name
    return "Published"


def _svg(markup: str) -> SafeString:
    # charts.py escapes every text it draws; the markup is safe as it is. The classes let
    # Bootstrap scale it to the card's width (viewBox keeps the proportions).
    markup = markup.replace('class="chart"', 'class="chart w-100 h-auto"', 1)
    return mark_safe(markup)  # noqa: S308


def _every_week(scope: Scope, weekly: list[tuple[dt.date, int]]) -> list[tuple[str, int]]:
    """Each week (from Monday) of the period, with 0 for a week without encounters."""
    counts = dict(weekly)
    week = scope.start - dt.timedelta(days=scope.start.weekday())
    out = []
    while week <= scope.end:
        out.append((f"{week:%b} {week.day}", counts.get(week, 0)))
        week += dt.timedelta(days=7)
    return out


def _month_label(month: dt.date, scope: Scope) -> str:
    """'Sep' for a month wholly in the period; 'Aug 27-31' for one it covers in part."""
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    first_day, last_day = max(month, scope.start), min(last, scope.end)
    if (first_day, last_day) == (month, last):
        return f"{month:%b}"
    return f"{month:%b} {first_day.day}\u2013{last_day.day}"  # an en dash


def _months(scope: Scope) -> list[dt.date]:
    """The first day of each calendar month the period touches."""
    months = []
    month = scope.start.replace(day=1)
    while month <= scope.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def weekly_encounters(scope: Scope) -> list[tuple[dt.date, int]]:
    """Encounters per week (Monday), for the dashboard's chart."""
    return [
        (week.date() if isinstance(week, dt.datetime) else week, n)
        for week, n in scope.encounters()
        .annotate(week=TruncWeek("date"))
        .values_list("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
        .order_by("week")
    ]
