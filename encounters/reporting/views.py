"""Report pages: ask for a report, follow it being built, download it, the archive, and
reports built by themselves each month or quarter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from encounters.models import Alternative
from encounters.reporting import events as report_events
from encounters.reporting import schedules, services
from encounters.reporting.figures import costs_in_force
from encounters.reporting.forms import ReportRequestForm, ReportScheduleForm
from encounters.reporting.models import ReportRun, ReportSchedule
from programs.access import Capability
from programs.audit import audit_record
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

RUNS_PER_PAGE = 20
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


class ReportListView(MemberRequiredMixin, View):
    """Ask for a report, and the archive of those asked for before."""

    capability = Capability.VIEW_REPORTS

    def _form(self, data: Any = None) -> ReportRequestForm:
        org = self.membership.organization
        today = org.today()
        return ReportRequestForm(
            data, membership=self.membership, today=today, costs=costs_in_force(org, today)
        )

    def _render(self, form: ReportRequestForm) -> HttpResponse:
        runs = (
            ReportRun.objects.for_member(self.membership)
            .select_related("program", "requested_by", "schedule")
            .defer("figures")
        )
        page = Paginator(runs, RUNS_PER_PAGE).get_page(self.request.GET.get("page"))
        return render(
            self.request,
            "reporting/reports/list.html",
            {
                "form": form,
                "runs": page.object_list,
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
                "scenario_open": any(f.value() not in (None, "") for f in form.cost_fields())
                or form["program_cost"].value() not in (None, ""),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            unit_costs, program_cost = form.scenario()
            run = self.call_service(
                form,
                services.report_request,
                organization=self.membership.organization,
                actor=self.actor,
                kind=form.cleaned_data["kind"],
                program=form.cleaned_data["program"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                unit_costs=unit_costs,
                program_cost=program_cost,
                submission_key=form.cleaned_data["submission_key"],
            )
            if run is not None:
                return redirect("report_run", pk=run.pk)
        return self._render(form)


class ReportRunView(ScopedObjectMixin, View):
    """One run: its parameters and its progress (htmx polls the status part) then its
    downloads."""

    model = ReportRun
    capability = Capability.VIEW_REPORTS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = ReportRun.objects.select_related("program", "requested_by", "schedule").get(
            pk=self.object.pk
        )
        if request.headers.get("HX-Request"):
            return render(request, "reporting/reports/_run_status.html", {"run": run})
        return render(
            request,
            "reporting/reports/run.html",
            {"run": run, "scenario_costs": _scenario_rows(run)},
        )


def _scenario_rows(run: ReportRun) -> list[tuple[str, str]]:
    """The scenario's overrides as (what, amount) for the page."""
    labels = dict(Alternative.choices)
    return [
        (str(labels.get(code, code)), amount)
        for code, amount in run.scenario.get("unit_costs", {}).items()
    ]


class ReportFileView(ScopedObjectMixin, View):
    """One of a ready run's files; every download is audited."""

    model = ReportRun
    capability = Capability.VIEW_REPORTS

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
        run: ReportRun = self.object
        if fmt not in services.FILE_FORMATS or run.status != ReportRun.Status.READY:
            raise Http404
        stored = getattr(run, fmt)
        if not stored:
            raise Http404
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=report_events.REPORT_DOWNLOADED,
            subject=run,
            ip_address=client_ip(request),
            data={"format": fmt},
        )
        return FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=services.file_name(run, fmt),
            content_type=CONTENT_TYPES[fmt],
        )


class ReportScheduleView(MemberRequiredMixin, View):
    """Reports built by themselves after each month or quarter: add one, see them all."""

    capability = Capability.VIEW_REPORTS

    def _render(self, form: ReportScheduleForm) -> HttpResponse:
        schedules = (
            ReportSchedule.objects.for_member(self.membership)
            .filter(is_active=True)
            .select_related("program")
            .prefetch_related("recipients__user")
        )
        return render(
            self.request,
            "reporting/reports/schedules.html",
            {"form": form, "schedules": schedules},
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(ReportScheduleForm(membership=self.membership))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReportScheduleForm(request.POST, membership=self.membership)
        if form.is_valid():
            schedule = self.call_service(
                form,
                schedules.schedule_save,
                organization=self.membership.organization,
                actor=self.actor,
                kind=form.cleaned_data["kind"],
                program=form.cleaned_data["program"],
                frequency=form.cleaned_data["frequency"],
                recipients=list(form.cleaned_data["recipients"]),
            )
            if schedule is not None:
                messages.success(request, f"Added: {schedule}.")
                return redirect("report_schedules")
        return self._render(form)


class ReportScheduleRemoveView(ScopedObjectMixin, View):
    model = ReportSchedule
    capability = Capability.VIEW_REPORTS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        schedule = schedules.schedule_remove(
            schedule=self.object, actor=self.actor, ip_address=client_ip(request)
        )
        messages.success(request, f"Stopped: {schedule}. Reports it built stay in the archive.")
        return redirect("report_schedules")
