"""Supervision agreements and their signed copies."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from programs.access import Capability, can
from programs.audit import audit_record
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip
from supervision import events as supervision_events
from supervision.forms import (
    AgreementForm,
)
from supervision.models import (
    SupervisionAgreement,
)
from supervision.services.agreements import AgreementInput, agreement_save


class AgreementListView(MemberRequiredMixin, View):
    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest) -> HttpResponse:
        m = self.membership
        today = m.organization.today()
        agreements = SupervisionAgreement.objects.for_member(m).select_related(
            "supervisor__user", "supervisee__user"
        )
        return render(
            request,
            "supervision/agreements.html",
            {
                "agreements": agreements,
                "today": today,
                "may_manage": can(m, Capability.MANAGE_SUPERVISION),
            },
        )


class _AgreementFormMixin(MemberRequiredMixin):
    capability = Capability.MANAGE_SUPERVISION

    def _render(self, form: AgreementForm, agreement: Any = None) -> HttpResponse:
        return render(
            self.request,
            "supervision/agreement_form.html",
            {"form": form, "agreement": agreement},
        )

    def _save(self, form: AgreementForm, agreement: Any) -> Any:
        d = form.cleaned_data
        return self.call_service(
            form,
            agreement_save,
            organization=self.membership.organization,
            actor=self.actor,
            data=AgreementInput(
                supervisor=d["supervisor"],
                supervisee=d["supervisee"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                supervisor_signed_on=d["supervisor_signed_on"],
                supervisee_signed_on=d["supervisee_signed_on"],
            ),
            agreement=agreement,
            document=d.get("document") or None,
        )


class AgreementCreateView(_AgreementFormMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        today = self.membership.organization.today()
        form = AgreementForm(
            initial={"starts_on": today}, organization_id=self.membership.organization_id
        )
        return self._render(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AgreementForm(
            request.POST, request.FILES, organization_id=self.membership.organization_id
        )
        if form.is_valid() and self._save(form, None) is not None:
            messages.success(request, "Agreement saved.")
            return redirect("agreement_list")
        return self._render(form)


class AgreementEditView(ScopedObjectMixin, _AgreementFormMixin, View):
    model = SupervisionAgreement

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        a: SupervisionAgreement = self.object
        form = AgreementForm(
            initial={
                "supervisor": a.supervisor_id,
                "supervisee": a.supervisee_id,
                "starts_on": a.starts_on,
                "ends_on": a.ends_on,
                "supervisor_signed_on": a.supervisor_signed_on,
                "supervisee_signed_on": a.supervisee_signed_on,
                "not_therapist": True,
            },
            organization_id=self.membership.organization_id,
        )
        return self._render(form, a)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AgreementForm(
            request.POST, request.FILES, organization_id=self.membership.organization_id
        )
        if form.is_valid() and self._save(form, self.object) is not None:
            messages.success(request, "Agreement saved.")
            return redirect("agreement_list")
        return self._render(form, self.object)


class AgreementDocumentView(ScopedObjectMixin, View):
    model = SupervisionAgreement
    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        a: SupervisionAgreement = self.object
        if not a.document:
            raise Http404
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=supervision_events.AGREEMENT_DOCUMENT_DOWNLOADED,
            subject=a,
            ip_address=client_ip(request),
        )
        return FileResponse(a.document.open("rb"), as_attachment=True)
