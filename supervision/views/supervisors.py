"""Supervisors' licenses, kept by managers and admins."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from programs.access import Capability
from programs.models import Membership, Role
from programs.web import MemberRequiredMixin
from supervision import rules
from supervision.forms import (
    SupervisorProfileForm,
)
from supervision.models import (
    SupervisorProfile,
)
from supervision.services.supervisors import supervisor_profile_save


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
