"""The report as a print-quality PDF (WeasyPrint), charts drawn as SVG on the server.

The templates only lay out: every figure comes from the figures dict (figures.py) and is
written here, once, as a funder reads it ($12,345.67, 60.2%, 4.87 to 1). The dict may be
fresh (Decimals and dates) or read back from JSON (numbers and ISO strings).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from encounters.models import ModelPhase, SupportType
from encounters.reporting import charts
from encounters.reporting.models import CostCategory
from programs.pdf import pdf_from_html

TEMPLATES = {
    "cost-savings": "reporting/reports/cost_savings_pdf.html",
    "funder": "reporting/reports/funder_pdf.html",
}
TITLES = {"cost-savings": "Cost savings report", "funder": "Funder report"}
ALL_PROGRAMS = "All programs"
SATISFACTION_ENDS = ("Not at all satisfied", "Very satisfied")
MINUS = "\N{MINUS SIGN}"  # a loss reads as a minus, not a hyphen
# Charts sit two to a row; drawn this size, their text prints at about 8 pt.
HALF_WIDTH, CHART_HEIGHT = 320, 170
WITHHELD, NO_ANSWERS = "withheld", "no answers"
# How the withheld notice names each figure (the keys of the figures' "withheld").
FIGURE_NAMES = {
    "satisfaction_mean": "mean satisfaction",
    "satisfaction_distribution": "satisfaction answers by point",
    "wellbeing_mean": "mean well-being",
    "wellbeing_change": "change in well-being",
    "other_services_yes": "other services used",
    "other_services_answered": "other services used",
    "relapses_reported": "relapses",
    "relapse_answered": "relapses",
    "would_have_used_emergency_services": "emergency services otherwise used",
    "alternatives": "what people would have done, by answer",
    "gross_diversion_dollars": "gross diversion dollars",
    "net_savings": "net savings",
    "return_ratio": "return",
    "net_savings_per_client": "net savings per client",
    "net_savings_per_client_year": "net savings per client per year",
}


def render_pdf(figures: dict[str, Any], *, generated: dt.datetime | None = None) -> bytes:
    """The PDF of a figures dict; `generated` (an aware time, now by default) is printed on
    the first page."""
    return pdf_from_html(render_html(figures, generated=generated))


def render_html(figures: dict[str, Any], *, generated: dt.datetime | None = None) -> str:
    kind = figures["report"]
    if kind not in TEMPLATES:
        raise ValueError(f"unknown report {kind!r}")
    # Times print in the organization's own zone, whoever renders the report.
    zone = (figures.get("scope") or {}).get("time_zone")
    with timezone.override(zone) if zone else contextlib.nullcontext():
        context = _common(figures, generated or timezone.now())
        context |= _cost_savings(figures) if kind == "cost-savings" else _funder(figures)
        return render_to_string(TEMPLATES[kind], context)


# --- how a figure is written ---------------------------------------------------------------


def money_text(value: Any) -> str | None:
    """$12,345.67; a loss as -$1,234.56 with a minus sign; None stays None (the template
    says why)."""
    if value is None:
        return None
    d = _dec(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{MINUS}${-d:,.2f}" if d < 0 else f"${d:,.2f}"


def number_text(value: Any) -> str | None:
    return None if value is None else charts.number_text(_dec(value))


def share_text(value: Any) -> str | None:
    """A share (0.6021) as a percent to one place (60.2%)."""
    return None if value is None else percent_text(_dec(value) * 100)


def percent_text(value: Any) -> str | None:
    """A percent (75.4) as 75.4%."""
    return None if value is None else charts.percent_text(_dec(value))


def ratio_text(value: Any) -> str | None:
    """A return ratio (4.87) as "4.87 to 1"."""
    if value is None:
        return None
    return f"{_dec(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,} to 1"


def signed_text(value: Any) -> str | None:
    """A change, signed: +0.65, -0.40 (with a minus sign), 0.00."""
    if value is None:
        return None
    d = _dec(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"+{d}" if d > 0 else (f"{MINUS}{-d}" if d < 0 else f"{d}")


def day_text(value: Any) -> str:
    day = _day(value)
    return f"{day:%B} {day.day}, {day.year}"


def month_text(value: Any) -> str:
    day = _day(value)
    return f"{day:%B %Y}"


def withheld_notes(withheld: dict[str, str]) -> list[tuple[str, str]]:
    """The withheld figures as (which figures, why), one line per reason, in the order
    the figures come: "mean satisfaction, satisfaction answers by point", "Fewer than..."."""
    names: dict[str, list[str]] = {}
    for key, reason in withheld.items():
        if key.startswith("monthly."):
            name = f"gross diversion dollars of {month_text(key.removeprefix('monthly.'))}"
        else:
            name = FIGURE_NAMES.get(key, key.replace("_", " "))
        if name not in names.setdefault(reason, []):
            names[reason].append(name)
    listed = [(", ".join(figures), reason) for reason, figures in names.items()]
    return [(text[:1].upper() + text[1:], reason) for text, reason in listed]


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _chart(svg: str) -> SafeString:
    # charts.py escapes every text it draws.
    return mark_safe(svg)  # noqa: S308


# --- what each template gets -----------------------------------------------------------------


def _common(f: dict[str, Any], generated: dt.datetime) -> dict[str, Any]:
    scope = f["scope"]
    return {
        "f": f,
        "title": TITLES[f["report"]],
        "organization": scope["organization"],
        "program": scope["program"] or ALL_PROGRAMS,
        "period": f"{day_text(scope['start'])} to {day_text(scope['end'])}",
        "generated": timezone.localtime(generated),
        "withheld_notes": withheld_notes(f.get("withheld") or {}),
        "min_responses": settings.SURVEY_MIN_RESPONSES,
        # What each survey figure without a value says: withheld (and the notice says why)
        # or that no one answered.
        "missing": {
            key: WITHHELD if key in (f.get("withheld") or {}) else NO_ANSWERS
            for key in FIGURE_NAMES
        },
        "encounters": number_text(f["encounters"]),
        "clients_served": number_text(f["clients_served"]),
        "surveys": number_text(f["surveys"]),
        "response_rate": share_text(f["response_rate"]),
        "program_cost": money_text(f["program_cost"]),
    }


def _cost_savings(f: dict[str, Any]) -> dict[str, Any]:
    alternatives = [
        {
            "label": a["label"],
            "count": number_text(a["count"]),
            "unit_cost": money_text(a["unit_cost"]),
            "total": money_text(a["total"]),
            "source": a["source"],
            "effective_from": day_text(a["effective_from"]) if a["effective_from"] else None,
            "is_example": a["is_example"],
            "is_scenario": a["source"] == "scenario",
        }
        for a in f["alternatives"].values()
    ]
    monthly = [
        {
            "month": month_text(m["month"]),
            "encounters": number_text(m["encounters"]),
            "surveys": number_text(m["surveys"]),
            "gross": money_text(m["gross_diversion_dollars"]),
        }
        for m in f["monthly"]
    ]
    ours = {
        "ratio": ratio_text(f["return_ratio"]),
        "per_person": money_text(f["net_savings_per_client"]),
        "per_person_year": money_text(f.get("net_savings_per_client_year")),
    }
    short = [_month_short(m["month"]) for m in f["monthly"]]
    encounters_chart = charts.bar_chart(
        [(label, m["encounters"]) for label, m in zip(short, f["monthly"], strict=True)],
        title="Encounters by month",
        width=HALF_WIDTH,
        height=CHART_HEIGHT,
    )
    gross_chart = None
    if not any(m["gross_diversion_dollars"] is None for m in f["monthly"]):
        gross_chart = charts.bar_chart(
            [
                (label, _dec(m["gross_diversion_dollars"]))
                for label, m in zip(short, f["monthly"], strict=True)
            ],
            title="Gross diversion dollars by month",
            value_text=lambda v: money_text(v) or "",
            axis_text=_whole_dollars,
            width=HALF_WIDTH,
            height=CHART_HEIGHT,
        )
    return {
        "scenario": bool(f["scenario"]),
        "scenario_inputs": [
            what
            for what, entered in (
                ("unit costs", any(a["is_scenario"] for a in alternatives)),
                ("a program cost", bool(f["program_cost_overridden"])),
            )
            if entered
        ],
        "examples_in_use": bool(f["examples_in_use"]),
        "alternatives": alternatives,
        "costed": [a for a in alternatives if a["unit_cost"] is not None],
        # Where a cost changed during the period, every version that priced an answer.
        "versions": [
            {
                "label": f["alternatives"][c["alternative"]]["label"],
                "unit_cost": money_text(c["unit_cost"]),
                "from": day_text(c["effective_from"]),
                "until": day_text(c["until"]) if c["until"] else "on",
                "source": c["source"],
            }
            for c in f.get("costs_used", [])
            if f["alternatives"][c["alternative"]].get("priced_by_date")
        ],
        "not_costed": [a["label"] for a in alternatives if a["unit_cost"] is None],
        "alternatives_withheld": (f.get("withheld") or {}).get("alternatives", ""),
        "gross": money_text(f["gross_diversion_dollars"]),
        "net": money_text(f["net_savings"]),
        "net_is_loss": f["net_savings"] is not None and _dec(f["net_savings"]) < 0,
        "ratio": ratio_text(f["return_ratio"]),
        "net_per_client": money_text(f["net_savings_per_client"]),
        "cost_by_category": [
            (_label(CostCategory, code), money_text(amount))
            for code, amount in f["program_cost_by_category"].items()
        ],
        "cost_overridden": bool(f["program_cost_overridden"]),
        "monthly": monthly,
        "comparisons": [
            {"figure": c["figure"], "what": c["what"], "ours": ours.get(c["unit"])}
            for c in f["comparisons"]
        ],
        "encounters_chart": _chart(encounters_chart),
        "gross_chart": _chart(gross_chart) if gross_chart else None,
    }


def _funder(f: dict[str, Any]) -> dict[str, Any]:
    supports = [
        (_label(SupportType, code), f["support_types"][code], f["support_types_percent"][code])
        for code in f["support_types"]
    ]
    phases = [
        (_label(ModelPhase, code), f["phases"][code], f["phases_percent"][code])
        for code in f["phases"]
    ]
    distribution = [(k, v) for k, v in (f["satisfaction_distribution"] or {}).items()]
    change = f["wellbeing_change"] or {}
    return {
        "scenario": False,
        "encounters_per_client": number_text(f["encounters_per_client"]),
        "hours": number_text(f["hours"]),
        "billable_units": number_text(f["billable_units"]),
        "billable_amount": money_text(f["billable_amount"]),
        "by_payer": [
            (p["payer"], number_text(p["units"]), money_text(p["amount"]))
            for p in f["billing_by_payer"]
        ],
        "cost_per_encounter": money_text(f["cost_per_encounter"]),
        "supports": [(label, number_text(n), percent_text(p)) for label, n, p in supports],
        "phases": [(label, number_text(n), percent_text(p)) for label, n, p in phases],
        "supports_chart": _chart(
            charts.share_bar_chart(
                [(label, p) for label, _, p in supports],
                title="Types of support, share of encounters",
                width=HALF_WIDTH,
            )
        ),
        "phases_chart": _chart(
            charts.share_bar_chart(
                [(label, p) for label, _, p in phases],
                title="Model phases, share of encounters",
                width=HALF_WIDTH,
            )
        ),
        "satisfaction_mean": number_text(f["satisfaction_mean"]),
        "distribution": [(k, number_text(v)) for k, v in distribution],
        "distribution_chart": _chart(
            charts.distribution_chart(
                distribution,
                title="Satisfaction answers, 1 to 5",
                low_label=f"1 = {SATISFACTION_ENDS[0]}",
                high_label=f"5 = {SATISFACTION_ENDS[1]}",
            )
        )
        if distribution
        else None,
        "wellbeing_mean": number_text(f["wellbeing_mean"]),
        "wellbeing_change": signed_text(change.get("mean")),
        "wellbeing_clients": number_text(change.get("clients")),
        "other_services": _of(f["other_services_yes"], f["other_services_answered"]),
        "relapses": _of(f["relapses_reported"], f["relapse_answered"]),
        "emergency": number_text(f["would_have_used_emergency_services"]),
        "headcount": number_text(f["staff_headcount"]),
        "staff_left": number_text(f["staff_left"]),
        "turnover": share_text(f["staff_turnover_rate"]),
        "ceu_on_track": share_text(f["ceu_on_track_share"]),
        "supervision_compliant": share_text(f["supervision_compliant_share"]),
        "supervision_unconfirmed": _unconfirmed(f),
    }


def _unconfirmed(f: dict[str, Any]) -> str | None:
    """ "3 of 12 months include 41.5 reported hours not yet confirmed", or None when every
    month's hours are confirmed (figures made before hours were confirmed have no count)."""
    months = f.get("supervision_months_with_unconfirmed_hours")
    if not months:
        return None
    hours = number_text(f["supervision_unconfirmed_hours"])
    return (
        f"{number_text(months)} of {number_text(f['supervision_months'])} months include "
        f"{hours} reported hours not yet confirmed"
    )


def _of(part: Any, whole: Any) -> str | None:
    """ "87 of 342 answers (25.4%)", or None when withheld."""
    if part is None or whole is None:
        return None
    if not whole:
        return "no answers"
    part_share = share_text(_dec(part) / _dec(whole))
    return f"{number_text(part)} of {number_text(whole)} answers ({part_share})"


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _month_short(value: Any) -> str:
    day = _day(value)
    return f"{day:%b %Y}"


def _whole_dollars(value: Any) -> str:
    d = _dec(value)
    return f"{MINUS}${-d:,.0f}" if d < 0 else f"${d:,.0f}"
