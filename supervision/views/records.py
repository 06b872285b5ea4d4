"""The record for the Board: asked for, built by a task while the page waits, downloaded."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from programs.access import Capability
from programs.audit import audit_record
from programs.models import Membership, Role
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip
from supervision import events as supervision_events
from supervision import selectors
from supervision.forms import (
    RecordExportForm,
)
from supervision.models import (
    RecordExport,
)
from supervision.services.record_exports import record_export_request


class RecordExportView(MemberRequiredMixin, View):
    """Ask for a peer's supervision record as a PDF; it is prepared in the background."""

    capability = Capability.VIEW_SUPERVISION

    def _render(self, form: RecordExportForm) -> HttpResponse:
        exports = RecordExport.objects.for_member(self.membership).select_related("peer__user")[:20]
        return render(self.request, "supervision/records.html", {"form": form, "exports": exports})

    def _peers(self) -> QuerySet[Membership]:
        # A departed peer's record must stay exportable for its 7 years.
        return selectors.peers_for(self.membership, active_only=False)

    def get(self, request: HttpRequest) -> HttpResponse:
        today = self.membership.organization.today()
        initial: dict[str, Any] = {"start": today.replace(month=1, day=1), "end": today}
        if self.membership.role == Role.PEER_SUPPORTER:
            initial["peer"] = self.membership.pk
        return self._render(RecordExportForm(initial=initial, peers=self._peers()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RecordExportForm(request.POST, peers=self._peers())
        if form.is_valid():
            export = record_export_request(
                organization=self.membership.organization,
                actor=self.actor,
                peer=form.cleaned_data["peer"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                ip_address=client_ip(request),
            )
            return redirect("record_status", pk=export.pk)
        return self._render(form)


class RecordStatusView(ScopedObjectMixin, View):
    """The export's progress; htmx polls it until the file is ready."""

    model = RecordExport
    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        export = RecordExport.objects.get(pk=self.object.pk)
        template = (
            "supervision/_record_status.html"
            if request.headers.get("HX-Request")
            else "supervision/record_status.html"
        )
        return render(request, template, {"export": export})


class RecordDownloadView(ScopedObjectMixin, View):
    model = RecordExport
    capability = Capability.VIEW_SUPERVISION

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        export: RecordExport = self.object
        if export.status != RecordExport.Status.READY or not export.file:
            raise Http404
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=supervision_events.SUPERVISION_RECORD_DOWNLOADED,
            subject=export,
            ip_address=client_ip(request),
        )
        name = f"supervision-record-{export.start}-{export.end}.pdf"
        return FileResponse(export.file.open("rb"), as_attachment=True, filename=name)
