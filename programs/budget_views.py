"""Positions and funding pages: the cost of each peer position against what pays for it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from programs import budget
from programs.access import Capability, scoped_object_or_404
from programs.forms import OneTimeKeyMixin
from programs.models import FundingSource, PeerPosition, Program
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})


class PositionForm(forms.ModelForm[PeerPosition]):
    class Meta:
        model = PeerPosition
        fields = list(budget.POSITION_FIELDS)
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            **{f: MONEY for f in budget.POSITION_FIELDS[3:] if f != "hours_per_week"},
        }
        help_texts = {"benefits": "Yearly amounts from here on."}


class FundingForm(OneTimeKeyMixin, forms.ModelForm[FundingSource]):
    class Meta:
        model = FundingSource
        fields = ["kind", "name", "yearly_amount", "ends_on"]
        labels = {"yearly_amount": "Yearly amount for this position", "ends_on": "Ends on"}
        widgets = {"ends_on": DATE, "yearly_amount": MONEY}


class PositionView(MemberRequiredMixin, View):
    """Create (no pk) or edit a position; its funding is managed on the same page."""

    capability = Capability.MANAGE_PROGRAMS
    template_name = "programs/position_form.html"

    def _objects(self) -> tuple[Program, PeerPosition | None]:
        if "pk" in self.kwargs:
            position = scoped_object_or_404(
                PeerPosition.objects.select_related("program"),
                self.membership,
                pk=self.kwargs["pk"],
            )
            return position.program, position
        program = scoped_object_or_404(
            Program.objects.all(), self.membership, slug=self.kwargs["slug"]
        )
        return program, None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.program, self.position = self._objects()  # 404 before any role check
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: PositionForm, funding_form: FundingForm | None = None) -> HttpResponse:
        ctx: dict[str, Any] = {
            "program": self.program,
            "position": self.position,
            "form": form,
            "funding_form": funding_form or FundingForm(),
        }
        if self.position is not None:
            # From the database: an invalid form has already changed self.position.
            saved = PeerPosition.objects.get(pk=self.position.pk)
            ctx["budget"] = budget.budget_of(saved)
            ctx["estimate"] = budget.medicaid_estimate(saved)
            ctx["funding"] = self.position.funding.all()
        return render(self.request, self.template_name, ctx)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self._render(PositionForm(instance=self.position))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "medicaid_estimate" and self.position is not None:
            estimate = budget.medicaid_estimate(self.position)
            if estimate is not None:
                budget.medicaid_estimate_apply(
                    position=self.position,
                    actor=self.actor,
                    estimate=estimate,
                    ip_address=client_ip(request),
                )
                messages.success(request, f"Medicaid billing set to ${estimate.amount:,.2f}.")
            return redirect("position_edit", pk=self.position.pk)
        if request.POST.get("action") == "funding":
            if self.position is None:
                raise Http404
            funding_form = FundingForm(request.POST)
            added = None
            if funding_form.is_valid():
                added = self.call_service(
                    funding_form,
                    budget.funding_add,
                    position=self.position,
                    actor=self.actor,
                    **funding_form.cleaned_data,
                )
            if added is not None:
                messages.success(request, "Funding added.")
                return redirect("position_edit", pk=self.position.pk)
            return self._render(PositionForm(instance=self.position), funding_form)
        form = PositionForm(request.POST, instance=self.position)
        if form.is_valid():
            saved = self.call_service(
                form,
                budget.position_save,
                program=self.program,
                actor=self.actor,
                position=self.position,
                **{f: form.cleaned_data[f] for f in budget.POSITION_FIELDS},
            )
            if saved is not None:
                messages.success(request, "Position saved.")
                return redirect("position_edit", pk=saved.pk)
        return self._render(form)


class FundingRemoveView(ScopedObjectMixin, View):
    model = FundingSource
    capability = Capability.MANAGE_PROGRAMS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        source: FundingSource = self.get_object()
        position_id = source.position_id
        budget.funding_remove(source=source, actor=self.actor, ip_address=client_ip(request))
        return redirect("position_edit", pk=position_id)
