"""Development phase pages: the checklist on the program page, moving on, the template."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from config.accounts.models import User
from programs import planning
from programs.access import Capability
from programs.models import ChecklistItem, Phase, PhaseTemplateItem, Program
from programs.rules import PHASE_LABELS, next_phase
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip


class AdvanceForm(forms.Form):
    override_reason = forms.CharField(
        label="Reason to move on with items open",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ItemForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(required=False)
    done = forms.BooleanField(required=False)
    note = forms.CharField(max_length=300, required=False)


class PhaseTemplateItemForm(forms.ModelForm[PhaseTemplateItem]):
    """One new item of the organization's checklist for a phase."""

    class Meta:
        model = PhaseTemplateItem
        fields = ("phase", "title")
        labels = {"title": "New item"}
        error_messages = {"title": {"required": "Write the item."}}


def phase_context(program: Program, advance_form: AdvanceForm | None = None) -> dict[str, Any]:
    """What the program page shows about its phase."""
    items = list(program.checklist.filter(phase=program.phase).select_related("owner"))
    open_items = [i for i in items if i.done_on is None]
    upcoming = next_phase(program.phase)
    return {
        "progress": planning.progress_of(program),
        "items": items,
        "next_items": sorted(open_items, key=lambda i: (i.due_date is None, i.due_date))[:3],
        "next_phase_label": PHASE_LABELS[upcoming] if upcoming else "",
        "advance_form": advance_form or AdvanceForm(),
        "phase_changes": program.phase_changes.select_related("changed_by")[:5],
        "owners": program.organization.memberships.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name"),
    }


class PhaseAdvanceView(ScopedObjectMixin, View):
    model = Program
    capability = Capability.MANAGE_PROGRAMS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        program: Program = self.get_object()
        form = AdvanceForm(request.POST)
        if not form.is_valid():
            problems = " ".join(str(e) for errs in form.errors.values() for e in errs)
            messages.error(request, f"{program.name} did not move on. {problems}")
            return redirect("program_detail", slug=program.slug)
        try:
            change = planning.program_phase_advance(
                program=program,
                actor=self.actor,
                override_reason=form.cleaned_data["override_reason"],
                from_phase=request.POST.get("from_phase", ""),
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("program_detail", slug=program.slug)
        messages.success(request, f"{program.name} is now in {Phase(change.to_phase).label}.")
        return redirect("program_detail", slug=program.slug)


class ChecklistItemUpdateView(ScopedObjectMixin, View):
    model = ChecklistItem
    capability = Capability.MANAGE_PROGRAMS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item: ChecklistItem = self.get_object()
        form = ItemForm(request.POST)
        # Owners are the organization's active members, and no one else.
        form.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__organization=item.program.organization_id,
            memberships__is_active=True,
            is_active=True,
        )
        if not form.is_valid():
            problems = " ".join(
                f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
            )
            messages.error(request, f"“{item.title}” was not saved. {problems}")
            return redirect("program_detail", slug=item.program.slug)
        data = form.cleaned_data
        try:
            planning.checklist_item_update(
                item=item,
                actor=self.actor,
                owner=data["owner"],
                due_date=data["due_date"],
                done=data["done"],
                note=data["note"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("program_detail", slug=item.program.slug)


class PhaseTemplateView(MemberRequiredMixin, TemplateView):
    """The organization's own checklist for each phase; new phases copy it."""

    capability = Capability.MANAGE_PROGRAMS
    template_name = "programs/phase_template.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        items = list(planning.phase_template(self.membership.organization))
        # A refused item is shown again in its own phase, as typed, with its error.
        refused: PhaseTemplateItemForm | None = kwargs.pop("refused", None)
        refused_phase = refused.cleaned_data.get("phase") if refused is not None else None
        return {
            **super().get_context_data(**kwargs),
            "phases": [
                (
                    p,
                    PHASE_LABELS[p.value],
                    [i for i in items if i.phase == p.value],
                    refused if refused_phase == p.value else None,
                )
                for p in Phase
            ],
            "refused_elsewhere": refused if refused is not None and not refused_phase else None,
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PhaseTemplateItemForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(refused=form))
        item = planning.phase_template_add(
            organization=self.membership.organization,
            phase=form.cleaned_data["phase"],
            title=form.cleaned_data["title"],
            actor=self.actor,
        )
        messages.success(request, f"Added to {Phase(item.phase).label}: {item.title}")
        return redirect("phase_template")


class PhaseTemplateRemoveView(ScopedObjectMixin, View):
    model = PhaseTemplateItem
    capability = Capability.MANAGE_PROGRAMS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item: PhaseTemplateItem = self.get_object()
        planning.phase_template_remove(item=item, actor=self.actor)
        messages.success(request, f"Removed: {item.title}")
        return redirect("phase_template")
