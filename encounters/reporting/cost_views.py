"""The assumptions behind the cost-savings report: what each alternative to peer support
costs, and what each program cost. Admins keep them; managers read them (their own
programs' lines only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from encounters.models import Alternative
from encounters.reporting import assumptions
from encounters.reporting import events as report_events
from encounters.reporting.cost_forms import AlternativeCostForm, ProgramCostForm
from encounters.reporting.models import AlternativeCost, ProgramCost
from programs.access import Capability, can
from programs.models import AuditEvent, Program
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

ALREADY_REMOVED = "That value was already removed."


def _money(value: Any) -> str:
    return f"${value:,.2f}"


class _CostsMixin(MemberRequiredMixin):
    """Readers need VIEW_REPORTS; a write needs MANAGE_COSTS (admins only)."""

    capability = Capability.VIEW_REPORTS

    @property
    def may_change(self) -> bool:
        return can(self.membership, Capability.MANAGE_COSTS)

    def ensure_may_change(self) -> None:
        if not self.may_change:
            raise PermissionDenied

    @property
    def today(self) -> dt.date:
        return self.membership.organization.today()


class AlternativeCostListView(_CostsMixin, View):
    """Each alternative with its cost in force today, where it comes from, and its history;
    an admin adds a value (or corrects one by giving the same date)."""

    def _render(self, form: AlternativeCostForm) -> HttpResponse:
        org = self.membership.organization
        today = self.today
        rows = assumptions.alternative_rows(org, today)
        return render(
            self.request,
            "reporting/costs/alternative_costs.html",
            {
                "rows": rows,
                "today": today,
                "form": form,
                "may_change": self.may_change,
                "examples_in_force": [r for r in rows if r.in_force and r.in_force.is_example],
                "unset": [r for r in rows if r.in_force is None],
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"effective_from": self.today}
        if request.GET.get("alternative") in Alternative.values:
            initial["alternative"] = request.GET["alternative"]
        return self._render(AlternativeCostForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.ensure_may_change()
        form = AlternativeCostForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            cost = self.call_service(
                form,
                assumptions.alternative_cost_set,
                organization=self.membership.organization,
                actor=self.actor,
                alternative=d["alternative"],
                unit_cost=d["unit_cost"],
                source=d["source"],
                effective_from=d["effective_from"],
            )
            if cost is not None:
                messages.success(
                    request,
                    f"{cost.get_alternative_display()}: {_money(cost.unit_cost)} from "
                    f"{cost.effective_from:%b %-d, %Y} saved.",
                )
                return redirect(f"{reverse('alternative_costs')}#alt-{cost.alternative}")
        return self._render(form)


class _RemoveMixin(ScopedObjectMixin, _CostsMixin):
    """A remove button. A second tap on a value this organization already removed says so;
    anything else not in the member's scope (another organization's) is a 404."""

    capability = Capability.MANAGE_COSTS
    removed_event: str
    back_to: str

    def scoped(self) -> QuerySet[Any]:
        return self.model.objects.for_member(self.membership)  # type: ignore[attr-defined]

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        found = self.scoped().filter(pk=self.kwargs["pk"]).first()
        if found is None and not self._removed_here():
            raise Http404
        return found

    def _removed_here(self) -> bool:
        return AuditEvent.objects.filter(
            organization=self.membership.organization,
            event=self.removed_event,
            subject_id=str(self.kwargs["pk"]),
        ).exists()

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect(self.back_to)

    def remove(self, obj: Model) -> bool:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.object is None or not self.remove(self.object):
            messages.info(request, ALREADY_REMOVED)
        return redirect(self.back_to)


class AlternativeCostRemoveView(_RemoveMixin, View):
    model = AlternativeCost
    removed_event = report_events.ALTERNATIVE_COST_REMOVED
    back_to = "alternative_costs"

    def remove(self, obj: Model) -> bool:
        assert isinstance(obj, AlternativeCost)
        removed = assumptions.alternative_cost_remove(
            organization=self.membership.organization,
            cost=obj,
            actor=self.actor,
            ip_address=client_ip(self.request),
        )
        if removed:
            messages.success(
                self.request,
                f"{obj.get_alternative_display()}: the value from "
                f"{obj.effective_from:%b %-d, %Y} was removed.",
            )
        return removed


class ProgramCostListView(_CostsMixin, View):
    """Each program's cost lines and its cost for the current year; admins add and remove
    lines, managers read their own programs'."""

    def _programs(self) -> QuerySet[Program]:
        return Program.objects.for_member(self.membership).order_by("name")

    def _render(self, form: ProgramCostForm) -> HttpResponse:
        org = self.membership.organization
        today = self.today
        programs = list(assumptions.programs_for_costs(self.membership))
        # One figure per program, by the report's own proration rule, from the lines
        # already loaded with the programs.
        rows = assumptions.year_costs(org, programs, today.year)
        return render(
            self.request,
            "reporting/costs/program_costs.html",
            {
                "rows": rows,
                "year": today.year,
                "year_total": sum((total for _, total in rows), start=0),
                "form": form,
                "may_change": self.may_change,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        year = self.today.year
        initial = {"starts_on": dt.date(year, 1, 1), "ends_on": dt.date(year, 12, 31)}
        return self._render(ProgramCostForm(programs=self._programs(), initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.ensure_may_change()
        form = ProgramCostForm(request.POST, programs=self._programs())
        if form.is_valid():
            d = form.cleaned_data
            line = self.call_service(
                form,
                assumptions.program_cost_add,
                organization=self.membership.organization,
                program=d["program"],
                actor=self.actor,
                category=d["category"],
                amount=d["amount"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                note=d["note"],
            )
            if line is not None:
                messages.success(
                    request,
                    f"{line.program.name}: {line.get_category_display().lower()} "
                    f"{_money(line.amount)} saved.",
                )
                return redirect(f"{reverse('program_costs')}#program-{line.program_id}")
        return self._render(form)


class ProgramCostRemoveView(_RemoveMixin, View):
    model = ProgramCost
    removed_event = report_events.PROGRAM_COST_REMOVED
    back_to = "program_costs"

    def scoped(self) -> QuerySet[Any]:
        return assumptions.program_cost_lines(self.membership).select_related("program")

    def remove(self, obj: Model) -> bool:
        assert isinstance(obj, ProgramCost)
        removed = assumptions.program_cost_remove(
            organization=self.membership.organization,
            line=obj,
            actor=self.actor,
            ip_address=client_ip(self.request),
        )
        if removed:
            messages.success(
                self.request,
                f"{obj.program.name}: {obj.get_category_display().lower()} "
                f"{_money(obj.amount)} was removed.",
            )
        return removed
