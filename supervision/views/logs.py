"""Writing, correcting and signing a supervision log; addenda, acknowledgments, and the
refused delete."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from encounters.models import Client
from programs.access import Capability
from programs.audit import audit_record
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip
from supervision import events as supervision_events
from supervision import selectors
from supervision.forms import (
    AddendumForm,
    LogForm,
    SignForm,
)
from supervision.models import (
    SupervisionLog,
)
from supervision.services.addenda import addendum_add, log_acknowledge
from supervision.services.logs import log_delete, log_save
from supervision.services.signing import content_version, log_sign, signature_holds
from supervision.services.supervisors import supervisor_eligible_on


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
            # Read and acknowledge in turn: on to the oldest log still waiting, if any.
            waiting = selectors.logs_to_acknowledge(self.membership)
            following = waiting.first()
            if following is not None:
                left = waiting.count()
                messages.success(
                    request, f"Acknowledged. {left} more to read and acknowledge: the next one."
                )
                return redirect("supervision_log", pk=following.pk)
            messages.success(request, "Acknowledged. No more logs are waiting for you.")
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
