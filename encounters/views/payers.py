"""Who pays for encounters: the shared payers PeerPath keeps, and an organization's own
with their rates over time, which its admins keep."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from encounters import selectors
from encounters.forms import PayerForm, RateForm
from encounters.models import Payer
from encounters.services import payers as payer_services
from encounters.services.billing import terms_on
from programs.access import Capability
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

RATE_ALREADY_REMOVED = "That rate was already removed."


def _rebilled_note(count: int) -> str:
    if count == 0:
        return ""
    return f" {count} encounter{'s' if count != 1 else ''} billed again."


class PayerListView(MemberRequiredMixin, View):
    """Who pays for encounters, with each payer's rates over time: the shared ones, which
    PeerPath keeps, and the organization's own, which its admins keep."""

    capability = Capability.MANAGE_PAYERS

    def get(self, request: HttpRequest) -> HttpResponse:
        org = self.membership.organization
        return render(
            request,
            "encounters/payer_list.html",
            {"payers": selectors.payers_with_rates(org), "today": org.today()},
        )


class PayerCreateView(MemberRequiredMixin, View):
    capability = Capability.MANAGE_PAYERS

    def _render(self, form: PayerForm) -> HttpResponse:
        return render(self.request, "encounters/payer_form.html", {"form": form})

    def get(self, request: HttpRequest) -> HttpResponse:
        today = self.membership.organization.today()
        return self._render(PayerForm(initial={"effective_from": today}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PayerForm(request.POST)
        if form.is_valid():
            payer = self.call_service(
                form,
                payer_services.payer_create,
                organization=self.membership.organization,
                actor=self.actor,
                code=form.cleaned_data["code"],
                terms=form.terms(),
                first_rate=form.first_rate(),
            )
            if payer is not None:
                messages.success(request, f"{payer.name} added.")
                return redirect("payer_list")
        return self._render(form)


class PayerDetailView(ScopedObjectMixin, View):
    """One of the organization's own payers: its terms and its rates. Shared payers are
    not here (another organization's, or the platform's, is a 404)."""

    model = Payer
    capability = Capability.MANAGE_PAYERS

    def _render(
        self, form: PayerForm | None = None, rate_form: RateForm | None = None
    ) -> HttpResponse:
        payer: Payer = self.object
        org = self.membership.organization
        today = org.today()
        if form is None:
            in_force = terms_on(payer, today)
            form = PayerForm(
                payer=payer,
                initial={
                    "name": payer.name,
                    "requires_certification": in_force.requires_certification,
                    "daily_unit_cap": in_force.daily_unit_cap,
                    "is_active": payer.is_active,
                    "rebill_from": today,
                },
            )
        if rate_form is None:
            rate_form = RateForm(initial={"effective_from": today})
        [with_rates] = selectors.payers_with_rates(org, only=payer)
        return render(
            self.request,
            "encounters/payer_detail.html",
            {
                "payer": with_rates,
                "terms_rows": selectors.terms_history(payer),
                "form": form,
                "rate_form": rate_form,
                "today": today,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PayerForm(request.POST, payer=self.object)
        if form.is_valid():
            result = self.call_service(
                form,
                payer_services.payer_update,
                payer=self.object,
                actor=self.actor,
                terms=form.terms(),
                rebill_from=form.cleaned_data["rebill_from"],
            )
            if result is not None:
                payer, rebilled = result
                messages.success(request, f"{payer.name} saved.{_rebilled_note(rebilled)}")
                return redirect("payer_detail", pk=payer.pk)
        return self._render(form=form)


class RateAddView(PayerDetailView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rate_form = RateForm(request.POST)
        if rate_form.is_valid():
            result = self.call_service(
                rate_form,
                payer_services.rate_add,
                payer=self.object,
                actor=self.actor,
                terms=rate_form.terms(),
            )
            if result is not None:
                rate, rebilled = result
                messages.success(
                    request,
                    f"${rate.unit_amount} per {rate.unit_minutes} minutes from "
                    f"{rate.effective_from:%b %-d, %Y} saved.{_rebilled_note(rebilled)}",
                )
                return redirect("payer_detail", pk=pk)
        return self._render(rate_form=rate_form)


class RateRemoveView(PayerDetailView):
    def get(self, request: HttpRequest, pk: int, rate_pk: int = 0) -> HttpResponse:
        return redirect("payer_detail", pk=pk)

    def post(self, request: HttpRequest, pk: int, rate_pk: int = 0) -> HttpResponse:
        rate = self.object.rates.filter(pk=rate_pk).first()
        if rate is None:
            messages.info(request, RATE_ALREADY_REMOVED)
            return redirect("payer_detail", pk=pk)
        try:
            rebilled = payer_services.rate_remove(
                rate=rate, actor=self.actor, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if rebilled is None:
                messages.info(request, RATE_ALREADY_REMOVED)
            else:
                messages.success(request, f"Rate removed.{_rebilled_note(rebilled)}")
        return redirect("payer_detail", pk=pk)
