"""Encounter logging on a phone, an encounter's page (correctable for a while), and the
list of encounters. Every page that shows encounters writes a read row to the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from encounters import events as encounter_events
from encounters import selectors
from encounters.forms import EncounterFilter, EncounterForm, encounter_initial
from encounters.models import REMOTE_SETTINGS, Client, Encounter, Format, ModelPhase, SurveyResponse
from encounters.services import clients as client_services
from encounters.services import encounters as encounter_services
from programs.access import Capability, can
from programs.models import Program, Role
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

PAGE_SIZE = 25
NOTE_FIELDS = ("note_data", "note_assessment", "note_plan", "referrals")


def _now_in(org_tz: str) -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(org_tz))


class _EncounterFormMixin(MemberRequiredMixin):
    template_name = "encounters/encounter_form.html"

    def _clients(self, peer: Any, include: Client | None = None) -> QuerySet[Client]:
        clients = Client.objects.for_member(peer).filter(
            assigned_peer=peer, discharged_on__isnull=True
        )
        if include is not None:
            clients = clients | Client.objects.filter(pk=include.pk)
        return clients.select_related("program").order_by("code")

    def _render(self, form: EncounterForm, **extra: Any) -> HttpResponse:
        clients = list(form.client_choices)
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "client_phases": {c.pk: c.phase for c in clients},
                "clients": clients,
                "phases": ModelPhase.choices,
                "formats": Format.choices,
                "durations": (15, 30, 45, 60, 90),
                "note_fields": [form[n] for n in NOTE_FIELDS],
                **extra,
            },
        )

    def _input(self, form: EncounterForm) -> encounter_services.EncounterInput:
        d = form.cleaned_data
        return encounter_services.EncounterInput(
            program=d["program"],
            client=d.get("client"),
            head_count=d.get("head_count") or 1,
            date=d["date"],
            start_time=d["start_time"],
            duration_minutes=d["duration_minutes"],
            setting=d["setting"],
            format=d["format"],
            phase=d["phase"],
            support_types=d["support_types"],
            service_type=d["service_type"],
            payer=d["payer"],
            note_data=d["note_data"],
            note_assessment=d["note_assessment"],
            note_plan=d["note_plan"],
            referrals=d["referrals"],
        )


class EncounterCreateView(_EncounterFormMixin, View):
    capability = Capability.LOG_ENCOUNTERS

    def get(self, request: HttpRequest) -> HttpResponse:
        peer = self.membership
        now = _now_in(peer.organization.time_zone)
        initial: dict[str, Any] = {
            "date": now.date(),
            "start_time": now.replace(minute=now.minute - now.minute % 5).strftime("%H:%M"),
            "duration_minutes": 30,
            "format": Format.INDIVIDUAL,
            "phase": ModelPhase.ENGAGING,
            "support_types": ["emotional"],
            "setting": "office",
        }
        medicaid = selectors.shared_payer("medicaid")
        if medicaid is not None:
            initial["payer"] = medicaid.pk
        initial.update(encounter_services.last_entry_defaults(peer))
        client_pk = request.GET.get("client")
        form = EncounterForm(initial=initial, peer=peer, clients=self._clients(peer))
        if client_pk and client_pk.isascii() and client_pk.isdecimal():
            chosen = form.client_choices.filter(pk=int(client_pk)).first()
            if chosen is not None:
                form.initial.update(client=chosen.pk, phase=chosen.phase, format=Format.INDIVIDUAL)
        elif "client" in initial:
            phases = {c.pk: c.phase for c in form.client_choices}
            if initial["client"] not in phases:
                form.initial.pop("client")
        return self._render(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        peer = self.membership
        form = EncounterForm(request.POST, peer=peer, clients=self._clients(peer))
        if form.is_valid():
            result = self.call_service(
                form,
                encounter_services.encounter_save,
                actor=self.actor,
                peer=peer,
                data=self._input(form),
                submission_key=form.cleaned_data["submission_key"],
            )
            if result is not None:
                encounter, _created = result
                return redirect("encounter_saved", pk=encounter.pk)
        return self._render(form)


class OwnEncounterMixin(ScopedObjectMixin):
    """Pages about an encounter that only the peer who logged it uses."""

    model = Encounter
    capability = Capability.LOG_ENCOUNTERS

    def own_encounter(self) -> Encounter:
        encounter: Encounter = self.object
        if encounter.peer_id != self.membership.pk:
            raise Http404
        return encounter


class EncounterSavedView(OwnEncounterMixin, TemplateView):
    """After saving: the billing outcome, and the ways to offer the survey."""

    template_name = "encounters/encounter_saved.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        encounter = self.own_encounter()
        client_services.record_read(
            actor=self.actor,
            organization=self.membership.organization,
            subject=encounter,
            event=encounter_events.ENCOUNTER_VIEWED,
            ip_address=client_ip(self.request),
        )
        ctx = super().get_context_data(**kwargs)
        ctx["encounter"] = encounter
        ctx["answered"] = SurveyResponse.objects.filter(encounter=encounter).exists()
        ctx["remote"] = encounter.setting in REMOTE_SETTINGS
        return ctx


class EncounterDetailView(ScopedObjectMixin, _EncounterFormMixin, View):
    """An encounter as its peer, their supervisor or a manager sees it; correctable by the
    peer for a while and by managers. Opening it is audited."""

    model = Encounter
    capability = Capability.VIEW_ENCOUNTERS

    def _encounter(self) -> Encounter:
        return self.object

    def _may_correct(self, encounter: Encounter) -> bool:
        today = self.membership.organization.today()
        return encounter_services.may_correct(encounter, self.membership, today=today)

    def _show(self, encounter: Encounter, form: EncounterForm | None) -> HttpResponse:
        if form is None:
            return render(
                self.request,
                "encounters/encounter_detail.html",
                {
                    "encounter": encounter,
                    "surveyed": SurveyResponse.objects.filter(encounter=encounter).exists(),
                    "show_billing_reason": self.membership.role != Role.PEER_SUPPORTER
                    or encounter.peer_id == self.membership.pk,
                },
            )
        return self._render(form, encounter=encounter)

    def _form(self, encounter: Encounter, data: Any = None) -> EncounterForm:
        peer = encounter.peer
        # Whoever corrects it picks only among clients and programs they may see themself.
        visible = Client.objects.for_member(self.membership).values("pk")
        programs = peer.programs.filter(
            pk__in=Program.objects.for_member(self.membership).values("pk")
        )
        return EncounterForm(
            data,
            initial=encounter_initial(encounter),
            peer=peer,
            clients=self._clients(peer, include=encounter.client).filter(pk__in=visible),
            programs=programs,
            payer_kept=encounter.payer_id,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        encounter = self._encounter()
        client_services.record_read(
            actor=self.actor,
            organization=self.membership.organization,
            subject=encounter,
            event=encounter_events.ENCOUNTER_VIEWED,
            ip_address=client_ip(request),
        )
        form = self._form(encounter) if self._may_correct(encounter) else None
        return self._show(encounter, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        encounter = self._encounter()
        if not self._may_correct(encounter):
            messages.error(
                request,
                encounter_services.TOO_OLD_TO_CORRECT.format(
                    days=settings.ENCOUNTER_CORRECTION_DAYS
                ),
            )
            return redirect("encounter_detail", pk=encounter.pk)
        form = self._form(encounter, request.POST)
        if form.is_valid():
            result = self.call_service(
                form,
                encounter_services.encounter_save,
                actor=self.actor,
                peer=encounter.peer,
                data=self._input(form),
                encounter=encounter,
            )
            if result is not None:
                messages.success(request, "Encounter corrected.")
                return redirect("encounter_list")
        return self._show(encounter, form)


class EncounterListView(MemberRequiredMixin, TemplateView):
    """Own encounters for a peer, supervisees' for a supervisor, the program's for a
    manager: filters, totals at the top, a page at a time in a fixed number of queries."""

    template_name = "encounters/encounter_list.html"
    capability = Capability.VIEW_ENCOUNTERS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        m = self.membership
        base = selectors.encounters_for_listing(m)
        flt = EncounterFilter(self.request.GET or None, queryset=base, membership=m)
        # A filter narrows the list; one that cannot be read shows its error and no rows,
        # never the whole list as if it had been applied.
        if not flt.is_bound:
            encounters = base
        elif flt.is_valid():
            encounters = flt.qs
        else:
            encounters = base.none()
        page = Paginator(encounters, PAGE_SIZE).get_page(self.request.GET.get("page"))
        client_services.record_read(
            actor=self.actor,
            organization=m.organization,
            subject=None,
            event=encounter_events.ENCOUNTER_LISTED,
            ip_address=client_ip(self.request),
            data={
                "filters": flt.audited_values() if flt.is_bound else {},
                "shown": [e.pk for e in page.object_list],
            },
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            filter=flt,
            filter_refused=flt.is_bound and not flt.is_valid(),
            page_obj=page,
            totals=selectors.encounter_totals(encounters),
            query=query.urlencode(),
            is_peer=m.role == Role.PEER_SUPPORTER,
            # Whether an encounter's survey came back is shown only to those who never see
            # survey figures, so nobody can line the two up.
            show_surveyed=not can(m, Capability.VIEW_SURVEY_RESULTS),
        )
        return ctx
