"""Supervision pages: the log a supervisor writes and signs, what peers acknowledge, the
monthly ratio, supervisors' licenses, agreements and the record export for the Board."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from encounters.models import Client
from programs.access import Capability, can
from programs.audit import audit_record
from programs.models import Membership, Role
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip
from supervision import events as supervision_events
from supervision import rules, selectors
from supervision.forms import (
    AddendumForm,
    AgreementForm,
    LogForm,
    RecordExportForm,
    SignForm,
    SupervisorProfileForm,
)
from supervision.models import (
    Acknowledgment,
    RecordExport,
    SupervisionAgreement,
    SupervisionLog,
    SupervisorProfile,
)
from supervision.services.addenda import addendum_add, log_acknowledge
from supervision.services.agreements import AgreementInput, agreement_save
from supervision.services.logs import log_delete, log_save
from supervision.services.record_exports import record_export_request
from supervision.services.signing import content_version, log_sign, signature_holds
from supervision.services.supervisors import supervisor_eligible_on, supervisor_profile_save


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
            acked = Acknowledgment.objects.filter(supervisee=m).values("log_id")
            waiting = (
                SupervisionLog.objects.for_member(m)
                .signed()
                .exclude(pk__in=acked)
                .select_related("supervisor__user")
            )
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


class _LogFormMixin(MemberRequiredMixin):
    def _form(self, data: Any = None, *, initial: dict[str, Any] | None = None) -> LogForm:
        m = self.membership
        peers = selectors.peers_for(m)
        clients = Client.objects.filter(
            assigned_peer__in=peers.values("pk"), discharged_on__isnull=True
        ).order_by("code")
        return LogForm(data, initial=initial, supervisees=peers, clients=clients)


class LogCreateView(_LogFormMixin, View):
    capability = Capability.WRITE_SUPERVISION_LOGS

    def get(self, request: HttpRequest) -> HttpResponse:
        org = self.membership.organization
        now = timezone.now().astimezone(ZoneInfo(org.time_zone)).replace(second=0, microsecond=0)
        initial = {
            "date": self.membership.organization.today(),
            # An hour ago, but not before midnight (the log is for one day).
            "start_time": max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=0)).time(),
            "end_time": now.time(),
        }
        return render(request, "supervision/log_form.html", {"form": self._form(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            result = self.call_service(
                form,
                log_save,
                supervisor=self.membership,
                actor=self.actor,
                data=form.log_input(),
                submission_key=form.cleaned_data["submission_key"],
            )
            if result is not None:
                log, _ = result
                messages.success(request, "Log saved. Read it over, then sign it below.")
                return redirect("supervision_log", pk=log.pk)
        return render(request, "supervision/log_form.html", {"form": form})


def _log_initial(log: SupervisionLog) -> dict[str, Any]:
    return {
        "date": log.date,
        "start_time": log.start_time,
        "end_time": log.end_time,
        "supervisees": [a.supervisee_id for a in log.attendees.all()],
        "topics": log.topics,
        "clients": [c.client_id for c in log.clients.all()],
        "notes": log.notes,
        "signoff_assessments": log.signoff_assessments,
        "signoff_interventions": log.signoff_interventions,
    }


class LogDetailView(ScopedObjectMixin, _LogFormMixin, View):
    """One log. Unsigned: its supervisor corrects and signs it. Signed: read-only, with the
    signature, addenda and each supervisee's acknowledgment."""

    model = SupervisionLog
    capability = Capability.VIEW_SUPERVISION

    def get_queryset(self) -> QuerySet[Any]:
        return SupervisionLog.objects.for_member(self.membership)

    def _page(
        self,
        *,
        form: LogForm | None = None,
        sign_form: SignForm | None = None,
        addendum_form: AddendumForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        log: SupervisionLog = (
            SupervisionLog.objects.select_related("supervisor__user", "signed_by")
            .prefetch_related(
                "attendees__supervisee__user",
                "clients",
                Prefetch("addenda"),
                "acknowledgments",
            )
            .get(pk=self.object.pk)
        )
        m = self.membership
        is_author = log.supervisor_id == m.pk
        editable = is_author and not log.is_signed
        if editable and form is None:
            form = self._form(initial=_log_initial(log))
        acked = {a.supervisee_id: a for a in log.acknowledgments.all()}
        attendees = [(a, acked.get(a.supervisee_id)) for a in log.attendees.all()]
        return render(
            self.request,
            "supervision/log_detail.html",
            {
                "log": log,
                "form": form if editable else None,
                "sign_form": (sign_form or SignForm(initial={"version": content_version(log)}))
                if editable
                else None,
                "addendum_form": (addendum_form or AddendumForm())
                if is_author and log.is_signed
                else None,
                "attendees": attendees,
                "may_acknowledge": log.is_signed
                and m.pk in {a.supervisee_id for a in log.attendees.all()}
                and m.pk not in acked,
                "signature_holds": signature_holds(log) if log.is_signed else None,
                "overdue": not log.is_signed
                and log.date < selectors.overdue_cutoff(m.organization),
                "eligible": supervisor_eligible_on(log.supervisor, log.date),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=supervision_events.SUPERVISION_VIEWED,
            subject=self.object,
            ip_address=client_ip(request),
        )
        return self._page()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        log: SupervisionLog = self.object
        if log.supervisor_id != self.membership.pk:
            raise Http404
        form = self._form(request.POST)
        if form.is_valid():
            result = self.call_service(
                form,
                log_save,
                supervisor=self.membership,
                actor=self.actor,
                data=form.log_input(),
                log=log,
            )
            if result is not None:
                messages.success(request, "Changes saved.")
                return redirect("supervision_log", pk=log.pk)
            if log.is_signed:  # no form is shown for a signed log: say why on the page
                for error in form.non_field_errors():
                    messages.error(request, str(error))
                return redirect("supervision_log", pk=log.pk)
        return self._page(form=form)


class LogSignView(LogDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect("supervision_log", pk=pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = SignForm(request.POST)
        if form.is_valid():
            signed = self.call_service(
                form,
                log_sign,
                log=self.object,
                actor=self.actor,
                credential=form.cleaned_data["credential"],
                version=form.cleaned_data["version"] or None,
            )
            if signed is not None:
                messages.success(request, "Signed. The log is now read-only.")
                return redirect("supervision_log", pk=pk)
        return self._page(sign_form=form)


class AddendumView(LogDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect("supervision_log", pk=pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AddendumForm(request.POST)
        if form.is_valid():
            added = self.call_service(
                form,
                addendum_add,
                log=self.object,
                actor=self.actor,
                text=form.cleaned_data["text"],
                credential=form.cleaned_data["credential"],
                submission_key=form.cleaned_data["submission_key"],
            )
            if added is not None:
                messages.success(request, "Addendum signed and added.")
                return redirect("supervision_log", pk=pk)
        return self._page(addendum_form=form)


class AcknowledgeView(LogDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect("supervision_log", pk=pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            log_acknowledge(
                log=self.object, supervisee=self.membership, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Acknowledged.")
        return redirect("supervision_log", pk=pk)


class LogDeleteView(LogDetailView):
    """Deleting a log is refused in its retention period, with the reason."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect("supervision_log", pk=pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            log_delete(log=self.object, actor=self.actor, ip_address=client_ip(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("supervision_log", pk=pk)


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
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="supervision-{year:04d}-{month:02d}.csv"'
            )
            writer = csv.writer(response)
            writer.writerow(selectors.COMPLIANCE_COLUMNS)
            for row in rows:
                cells = selectors.compliance_cells(row)
                cells["compliant"] = "true" if cells["compliant"] else "false"
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
            },
        )


class SupervisorListView(MemberRequiredMixin, View):
    capability = Capability.MANAGE_SUPERVISION

    def get(self, request: HttpRequest) -> HttpResponse:
        m = self.membership
        today = m.organization.today()
        supervisors = Membership.objects.filter(
            organization=m.organization, role=Role.CLINICAL_SUPERVISOR, is_active=True
        ).select_related("user", "supervisor_profile")
        rows = []
        for s in supervisors:
            profile = getattr(s, "supervisor_profile", None)
            eligible = profile is not None and rules.supervisor_eligible_on(
                today,
                license_type=profile.license_type,
                licensed_on=profile.licensed_on,
                ceu_hours=profile.supervision_ceu_hours,
            )
            since = rules.eligible_from(profile.licensed_on) if profile else None
            rows.append((s, profile, eligible, since))
        return render(request, "supervision/supervisors.html", {"rows": rows})


class SupervisorEditView(MemberRequiredMixin, View):
    """A supervisor's license, kept by managers and admins (a supervisor cannot make
    themself eligible by changing their own dates or CEU hours)."""

    capability = Capability.MANAGE_SUPERVISION

    def get_object(self) -> Membership:
        # Looked up before the capability check: another organization's supervisor is a 404.
        m = self.membership
        target = Membership.objects.filter(
            organization=m.organization, role=Role.CLINICAL_SUPERVISOR, pk=self.kwargs["pk"]
        ).first()
        if target is None:
            raise Http404
        return target

    def _supervisor(self) -> Membership:
        return self.get_object()

    def _render(self, form: SupervisorProfileForm, target: Membership) -> HttpResponse:
        return render(
            self.request, "supervision/supervisor_form.html", {"form": form, "target": target}
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self._supervisor()
        profile = SupervisorProfile.objects.filter(membership=target).first()
        initial = (
            {
                "license_type": profile.license_type,
                "license_number": profile.license_number,
                "licensed_on": profile.licensed_on,
                "supervision_ceu_hours": profile.supervision_ceu_hours,
            }
            if profile
            else {}
        )
        return self._render(SupervisorProfileForm(initial=initial), target)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self._supervisor()
        form = SupervisorProfileForm(request.POST)
        if form.is_valid():
            saved = self.call_service(
                form,
                supervisor_profile_save,
                membership=target,
                actor=self.actor,
                **form.cleaned_data,
            )
            if saved is not None:
                messages.success(request, f"License of {target.user} saved.")
                return redirect("supervisor_list")
        return self._render(form, target)


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
