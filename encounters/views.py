"""Encounter logging on a phone, the anonymous survey, clients, and the lists behind them.

Every page that shows a client record or encounters writes a read row to the audit log.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from encounters import events as encounter_events
from encounters import payers, selectors, services
from encounters.forms import (
    ClientForm,
    EncounterFilter,
    EncounterForm,
    PayerForm,
    RateForm,
    SurveyForm,
    SurveyQuestionsForm,
    encounter_initial,
)
from encounters.models import (
    REMOTE_SETTINGS,
    Client,
    Encounter,
    Format,
    ModelPhase,
    Payer,
    SurveyChannel,
    SurveyResponse,
)
from encounters.survey import questions_from
from programs.access import Capability, can
from programs.models import Program, Role
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

PAGE_SIZE = 25
NOTE_FIELDS = ("note_data", "note_assessment", "note_plan", "referrals")


def _now_in(org_tz: str) -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(org_tz))


def _no_store(response: HttpResponse) -> HttpResponse:
    # Survey and token pages must not come back from the browser's cache or history.
    response["Cache-Control"] = "no-store"
    return response


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

    def _input(self, form: EncounterForm) -> services.EncounterInput:
        d = form.cleaned_data
        return services.EncounterInput(
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
        initial.update(services.last_entry_defaults(peer))
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
                services.encounter_save,
                actor=self.actor,
                peer=peer,
                data=self._input(form),
                submission_key=form.cleaned_data["submission_key"],
            )
            if result is not None:
                encounter, _created = result
                return redirect("encounter_saved", pk=encounter.pk)
        return self._render(form)


class _OwnEncounterMixin(ScopedObjectMixin):
    """Pages about an encounter that only the peer who logged it uses."""

    model = Encounter
    capability = Capability.LOG_ENCOUNTERS

    def own_encounter(self) -> Encounter:
        encounter: Encounter = self.object
        if encounter.peer_id != self.membership.pk:
            raise Http404
        return encounter


class EncounterSavedView(_OwnEncounterMixin, TemplateView):
    """After saving: the billing outcome, and the ways to offer the survey."""

    template_name = "encounters/encounter_saved.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        encounter = self.own_encounter()
        services.record_read(
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
        return services.may_correct(encounter, self.membership, today=today)

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
        services.record_read(
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
                services.TOO_OLD_TO_CORRECT.format(days=settings.ENCOUNTER_CORRECTION_DAYS),
            )
            return redirect("encounter_detail", pk=encounter.pk)
        form = self._form(encounter, request.POST)
        if form.is_valid():
            result = self.call_service(
                form,
                services.encounter_save,
                actor=self.actor,
                peer=encounter.peer,
                data=self._input(form),
                encounter=encounter,
            )
            if result is not None:
                messages.success(request, "Encounter corrected.")
                return redirect("encounter_list")
        return self._show(encounter, form)


class SurveyOfferView(_OwnEncounterMixin, View):
    """The peer hands the phone over, or gets a one-time link and QR code to send."""

    channel: str = SurveyChannel.HANDOVER

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        encounter = self.own_encounter()
        try:
            link, token = services.survey_link_create(
                encounter=encounter,
                actor=self.actor,
                channel=self.channel,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("encounter_saved", pk=pk)
        if self.channel == SurveyChannel.HANDOVER:
            return redirect("survey_answer", token=token)
        url = settings.SITE_URL + reverse("survey_answer", args=[token])
        return _no_store(
            render(
                request,
                "encounters/survey_link.html",
                {
                    "encounter": encounter,
                    "url": url,
                    "qr_svg": _qr_svg(url),
                    "expires_at": link.expires_at,
                },
            )
        )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration: it is inlined in HTML
    return mark_safe(svg)  # noqa: S308  (our own generated markup, no user input)


@never_cache
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey as the person answers it: no sign-in, nothing about the client or the
    encounter, once only."""
    link = services.survey_link_for(token)
    if link is None:
        return _no_store(render(request, "encounters/survey_closed.html", status=410))
    question_set = services.survey_current(link.organization)
    questions = questions_from(question_set.questions)
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                services.survey_submit(token=token, answers=form.answers())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("survey_thanks")
    else:
        form = SurveyForm(questions=questions)
    return _no_store(
        render(
            request,
            "encounters/survey_form.html",
            {"form": form, "organization": link.organization, "questions": questions},
        )
    )


@never_cache
def survey_thanks(request: HttpRequest) -> HttpResponse:
    return _no_store(render(request, "encounters/survey_thanks.html"))


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
        encounters = flt.qs if flt.is_bound and flt.is_valid() else base
        page = Paginator(encounters, PAGE_SIZE).get_page(self.request.GET.get("page"))
        services.record_read(
            actor=self.actor,
            organization=m.organization,
            subject=None,
            event=encounter_events.ENCOUNTER_LISTED,
            ip_address=client_ip(self.request),
            data={
                "filters": {k: v for k, v in self.request.GET.items() if v and k != "page"},
                "shown": [e.pk for e in page.object_list],
            },
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            filter=flt,
            page_obj=page,
            totals=selectors.encounter_totals(encounters),
            query=query.urlencode(),
            is_peer=m.role == Role.PEER_SUPPORTER,
            # Whether an encounter's survey came back is shown only to those who never see
            # survey figures, so nobody can line the two up.
            show_surveyed=not can(m, Capability.VIEW_SURVEY_RESULTS),
        )
        return ctx


class ClientListView(MemberRequiredMixin, TemplateView):
    template_name = "encounters/client_list.html"
    capability = Capability.VIEW_ENCOUNTERS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        m = self.membership
        clients = selectors.clients_for_listing(m)
        if self.request.GET.get("show") != "all":
            clients = clients.filter(discharged_on__isnull=True)
        page = Paginator(clients, 50).get_page(self.request.GET.get("page"))
        services.record_read(
            actor=self.actor,
            organization=m.organization,
            subject=None,
            event=encounter_events.CLIENT_LISTED,
            ip_address=client_ip(self.request),
            data={"shown": [c.pk for c in page.object_list]},
        )
        ctx.update(
            page_obj=page,
            show_all=self.request.GET.get("show") == "all",
            may_add=can(m, Capability.MANAGE_CLIENTS) or can(m, Capability.LOG_ENCOUNTERS),
            by_peer=m.role != Role.PEER_SUPPORTER,
            phases=ModelPhase,
        )
        return ctx


class _ClientFormMixin(MemberRequiredMixin):
    def _programs(self) -> QuerySet[Program]:
        programs = Program.objects.for_member(self.membership).filter(is_active=True)
        if self.membership.role == Role.PEER_SUPPORTER:
            programs = programs.filter(pk__in=self.membership.programs.values("pk"))
        return programs

    def _may_edit(self) -> bool:
        return can(self.membership, Capability.MANAGE_CLIENTS) or can(
            self.membership, Capability.LOG_ENCOUNTERS
        )

    def _save(self, form: ClientForm, client: Client | None) -> Client | None:
        d = form.cleaned_data
        peer = (
            self.membership
            if self.membership.role == Role.PEER_SUPPORTER
            else d.get("assigned_peer")
        )
        return self.call_service(
            form,
            services.client_save,
            actor=self.actor,
            organization=self.membership.organization,
            program=d["program"],
            code=d["code"],
            name=d["name"],
            contact=d["contact"],
            assigned_peer=peer,
            enrolled_on=d["enrolled_on"],
            discharged_on=d["discharged_on"],
            client=client,
        )


class ClientCreateView(_ClientFormMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not self._may_edit():
            raise Http404
        form = ClientForm(
            initial={"enrolled_on": self.membership.organization.today()},
            membership=self.membership,
            programs=self._programs(),
        )
        return render(request, "encounters/client_form.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not self._may_edit():
            raise Http404
        form = ClientForm(request.POST, membership=self.membership, programs=self._programs())
        if form.is_valid():
            client = self._save(form, None)
            if client is not None:
                messages.success(request, f"Client {client.code} added.")
                if request.POST.get("then") == "log":
                    return redirect(reverse("encounter_create") + f"?client={client.pk}")
                return redirect("client_detail", pk=client.pk)
        return render(request, "encounters/client_form.html", {"form": form})


class ClientDetailView(ScopedObjectMixin, _ClientFormMixin, View):
    """A client record: code, phase, encounters; name and contact only for those whose
    work needs them. Every opening is audited."""

    model = Client
    capability = Capability.VIEW_ENCOUNTERS

    def _client(self) -> Client:
        return self.object

    def _page(self, client: Client, form: ClientForm | None) -> HttpResponse:
        m = self.membership
        encounters = (
            Encounter.objects.for_member(m).filter(client=client).select_related("peer__user")
        )[:20]
        return render(
            self.request,
            "encounters/client_detail.html",
            {
                "client": client,
                "identity": selectors.may_see_identity(m, client),
                "encounters": encounters,
                "form": form,
                "may_log": client.assigned_peer_id == m.pk and client.discharged_on is None,
            },
        )

    def _editable(self, client: Client) -> bool:
        m = self.membership
        return can(m, Capability.MANAGE_CLIENTS) or client.assigned_peer_id == m.pk

    def _form(self, client: Client, data: Any = None) -> ClientForm:
        return ClientForm(
            data,
            initial={
                "program": client.program_id,
                "code": client.code,
                "name": client.name,
                "contact": client.contact,
                "assigned_peer": client.assigned_peer_id,
                "enrolled_on": client.enrolled_on,
                "discharged_on": client.discharged_on,
            },
            membership=self.membership,
            programs=self._programs() | Program.objects.filter(pk=client.program_id),
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client()
        services.record_read(
            actor=self.actor,
            organization=self.membership.organization,
            subject=client,
            event=encounter_events.CLIENT_VIEWED,
            ip_address=client_ip(request),
        )
        return self._page(client, self._form(client) if self._editable(client) else None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client()
        if not self._editable(client):
            raise Http404
        form = self._form(client, request.POST)
        if form.is_valid() and self._save(form, client) is not None:
            messages.success(request, f"Client {client.code} saved.")
            return redirect("client_detail", pk=client.pk)
        return self._page(client, form)


class SurveyResultsView(MemberRequiredMixin, TemplateView):
    """Survey figures for a program and period: aggregates only, never one person's."""

    template_name = "encounters/survey_results.html"
    capability = Capability.VIEW_SURVEY_RESULTS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        m = self.membership
        today = m.organization.today()
        months = []
        y, mo = today.year, today.month
        for _ in range(24):
            months.append(dt.date(y, mo, 1))
            y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
        wanted = self.request.GET.get("month", "")
        chosen = next((d for d in months if d.strftime("%Y-%m") == wanted), months[0])
        programs = list(Program.objects.for_member(m).order_by("name"))
        program = next((p for p in programs if p.slug == self.request.GET.get("program")), None)
        ctx.update(
            months=months,
            month=chosen,
            programs=programs,
            program=program,
            survey=selectors.survey_month(m, year=chosen.year, month=chosen.month, program=program),
        )
        return ctx


class SurveyQuestionsView(MemberRequiredMixin, View):
    """Admins reword the questions or add their own; saving makes a new version."""

    capability = Capability.EDIT_SURVEY

    def _render(self, form: SurveyQuestionsForm, current: Any) -> HttpResponse:
        return render(
            self.request, "encounters/survey_questions.html", {"form": form, "current": current}
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        current = services.survey_current(self.membership.organization)
        form = SurveyQuestionsForm(questions=questions_from(current.questions))
        return self._render(form, current)

    def post(self, request: HttpRequest) -> HttpResponse:
        current = services.survey_current(self.membership.organization)
        form = SurveyQuestionsForm(request.POST, questions=questions_from(current.questions))
        if form.is_valid():
            published = self.call_service(
                form,
                services.survey_publish,
                organization=self.membership.organization,
                actor=self.actor,
                questions=form.question_list(),
            )
            if published is not None:
                if published.pk == current.pk:
                    messages.info(request, "Nothing changed; the survey stays as it was.")
                else:
                    messages.success(request, f"Survey version {published.version} is now in use.")
                return redirect("survey_questions")
        return self._render(form, current)


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
                payers.payer_create,
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
            form = PayerForm(
                payer=payer,
                initial={
                    "name": payer.name,
                    "requires_certification": payer.requires_certification,
                    "daily_unit_cap": payer.daily_unit_cap,
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
            {"payer": with_rates, "form": form, "rate_form": rate_form, "today": today},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PayerForm(request.POST, payer=self.object)
        if form.is_valid():
            result = self.call_service(
                form,
                payers.payer_update,
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
                payers.rate_add,
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
            messages.info(request, "That rate was already removed.")
            return redirect("payer_detail", pk=pk)
        try:
            rebilled = payers.rate_remove(
                rate=rate, actor=self.actor, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if rebilled is None:
                messages.info(request, "That rate was already removed.")
            else:
                messages.success(request, f"Rate removed.{_rebilled_note(rebilled)}")
        return redirect("payer_detail", pk=pk)
