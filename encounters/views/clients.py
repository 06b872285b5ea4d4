"""Client records: the caseload list, adding a client, and a client's page. Every page
that shows a client record writes a read row to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from encounters import events as encounter_events
from encounters import selectors
from encounters.forms import ClientForm
from encounters.models import Client, Encounter, ModelPhase
from encounters.services import clients as client_services
from programs.access import Capability, can
from programs.models import Program, Role
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip


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
        client_services.record_read(
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
            client_services.client_save,
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
        client_services.record_read(
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
