"""The supervision home page (logs to write, sign or acknowledge) and the monthly ratio."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from programs.access import Capability
from programs.models import Role
from programs.spreadsheets import CsvWriter
from programs.web import MemberRequiredMixin
from supervision import rules, selectors
from supervision.hours_forms import HoursConfirmForm
from supervision.models import SupervisionLog
from supervision.services.supervisors import supervisor_eligible_on


def _month(request: HttpRequest, today: dt.date) -> tuple[int, int]:
    """The month asked for as ?month=YYYY-MM (this month when absent or unreadable)."""
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    if not 2000 <= year <= today.year + 1:
        return today.year, today.month
    return year, month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + (month - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class SupervisionHomeView(MemberRequiredMixin, View):
    """Where each role starts: this month's ratio for the peers they follow, the logs
    they can see (unsigned ones past a week flagged overdue), and what is waiting."""

    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest) -> HttpResponse:
        m = self.membership
        today = m.organization.today()
        logs = (
            SupervisionLog.objects.for_member(m)
            .select_related("supervisor__user")
            .annotate(attendee_count=Count("attendees"))
            .order_by("-date", "-start_time", "-pk")[:30]
        )
        waiting: Any = []
        if m.role == Role.PEER_SUPPORTER:
            waiting = selectors.logs_to_acknowledge(m).select_related("supervisor__user")
        overdue = []
        if m.role == Role.CLINICAL_SUPERVISOR:
            overdue = list(
                SupervisionLog.objects.unsigned().filter(
                    supervisor=m, date__lt=selectors.overdue_cutoff(m.organization)
                )
            )
        return render(
            request,
            "supervision/home.html",
            {
                "logs": logs,
                "waiting": waiting,
                "overdue": overdue,
                "overdue_cutoff": selectors.overdue_cutoff(m.organization),
                "rows": selectors.month_ratios(
                    selectors.peers_for(m), year=today.year, month=today.month
                ),
                "month": dt.date(today.year, today.month, 1),
                "eligible": (
                    supervisor_eligible_on(m, today) if m.role == Role.CLINICAL_SUPERVISOR else None
                ),
            },
        )


class RatioView(MemberRequiredMixin, View):
    """Per peer for a month: hours worked, supervision required and received, balance.
    As a page or (?format=csv) a spreadsheet."""

    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest) -> HttpResponse:
        m = self.membership
        today = m.organization.today()
        year, month = _month(request, today)
        peers = selectors.peers_in_month(
            selectors.peers_for(m, active_only=False), year=year, month=month
        )
        rows = selectors.month_ratios(peers, year=year, month=month)
        first, last = rules.month_bounds(year, month)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="supervision-{year:04d}-{month:02d}.csv"'
            )
            writer = CsvWriter(response)
            writer.writerow(selectors.COMPLIANCE_COLUMNS)
            for row in rows:
                cells = selectors.compliance_cells(row)
                for flag in ("compliant", "includes_unconfirmed_hours"):
                    cells[flag] = "true" if cells[flag] else "false"
                writer.writerow(cells.values())
            return response
        return render(
            request,
            "supervision/ratio.html",
            {
                "rows": rows,
                "month": dt.date(year, month, 1),
                "month_value": f"{year:04d}-{month:02d}",
                "previous": _shift(year, month, -1),
                "next": _shift(year, month, 1) if (year, month) < (today.year, today.month) else "",
                "short": sum(1 for r in rows if not r.ratio.compliant),
                "unconfirmed": sum(1 for r in rows if r.ratio.rests_on_unconfirmed_hours),
                "confirm_form": HoursConfirmForm(initial={"first": first, "last": last}),
                "may_confirm": set(
                    selectors.hours_confirmable_by(m)
                    .filter(pk__in=[r.peer.pk for r in rows if r.ratio.rests_on_unconfirmed_hours])
                    .values_list("pk", flat=True)
                ),
            },
        )
