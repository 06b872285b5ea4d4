"""Certification pages: a peer's own standing and CEUs; the team view; a peer's record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from certification import events as cert_events
from certification import rules, selectors, services
from certification.forms import (
    CertificationCorrectForm,
    CertificationForm,
    CeuForm,
    ChecklistItemForm,
    LapseForm,
    LapseWithdrawForm,
    ProfileForm,
    RecoveryRevealForm,
    ReinstateForm,
    RenewalForm,
)
from certification.models import (
    Certification,
    CeuEntry,
    CeuSource,
    ChecklistItem,
    PeerProfile,
    Requirement,
    SeparationReason,
)
from programs.access import Capability, can, scoped_object_or_404
from programs.audit import audit_record
from programs.spreadsheets import CsvWriter
from programs.uploads import ACCEPT
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip


def _record_context(profile: PeerProfile, *, today: Any, own: bool = False) -> dict[str, Any]:
    """What a peer's record page shows, for the peer (`own`) or for a manager. Each step
    says whether only a manager verifies it and, for the peer, whether it is theirs to
    change (not a manager's step, not one a manager verified)."""
    done = {i.requirement: i for i in profile.checklist.select_related("updated_by")}
    checklist = []
    for code in rules.requirements_for_trail(profile.trail):
        item = done.get(code)
        manager_only = rules.verified_by_manager_only(code)
        locked = own and not services.peer_may_mark(code, item)
        checklist.append((code, Requirement(code).label, item, manager_only, locked))
    return {
        "profile": profile,
        "standing": selectors.ceu_year_for(profile, year=today.year, today=today),
        "last_year": selectors.ceu_year_for(profile, year=today.year - 1, today=today),
        "certifications": [
            (c, selectors.certification_timeline(c, today=today))
            for c in profile.certifications.prefetch_related("renewals", "lapses")
        ],
        "ceus": profile.ceus.select_related("added_by")[:50],
        "checklist": checklist,
        "today": today,
        "upload_accept": ACCEPT,
    }


class MyCertificationView(MemberRequiredMixin, TemplateView):
    """A peer's own standing: progress, what is still owed, checklist and CEU list."""

    template_name = "certification/mine.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can(self.membership, Capability.KEEP_OWN_CERTIFICATION):
            return redirect("certification_team")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        profile = services.profile_for(self.membership)
        today = self.membership.organization.today()
        return {
            **super().get_context_data(**kwargs),
            **_record_context(profile, today=today, own=True),
        }


class CeuAddView(MemberRequiredMixin, View):
    """Add CEU hours: a peer for themself, or a manager for one of their peers."""

    template_name = "certification/ceu_form.html"

    def _profile(self) -> PeerProfile:
        if "pk" in self.kwargs:
            if not can(self.membership, Capability.MANAGE_CERTIFICATION):
                raise Http404
            return scoped_object_or_404(
                PeerProfile.objects.select_related("membership__user"),
                self.membership,
                pk=self.kwargs["pk"],
            )
        if not can(self.membership, Capability.KEEP_OWN_CERTIFICATION):
            raise Http404
        return services.profile_for(self.membership)

    def _back(self, profile: PeerProfile) -> str:
        if "pk" in self.kwargs:
            return reverse("certification_peer", args=[profile.pk])
        return reverse("certification_mine")

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        profile = self._profile()
        today = self.membership.organization.today()
        form = CeuForm(initial={"date": today})
        return render(
            request,
            self.template_name,
            {"form": form, "profile": profile, "back": self._back(profile)},
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        profile = self._profile()
        form = CeuForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            result = self.call_service(
                form,
                services.ceu_add,
                profile=profile,
                actor=self.actor,
                date=data["date"],
                hours=data["hours"],
                title=data["title"],
                provider=data["provider"],
                topic=data["topic"],
                certificate=data["certificate"],
                source=CeuSource.MANUAL,
                source_key=f"form:{data['submission_key'].hex}",
            )
            if result is not None:
                entry, _new = result
                messages.success(
                    request, f"Added {entry.hours.normalize():f} hours: {entry.title}."
                )
                return redirect(self._back(profile))
        return render(
            request,
            self.template_name,
            {"form": form, "profile": profile, "back": self._back(profile)},
            status=200,
        )


class CeuDeleteView(ScopedObjectMixin, View):
    model = CeuEntry

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry: CeuEntry = self.get_object()
        own = entry.profile.membership_id == self.membership.pk
        if not (own or can(self.membership, Capability.MANAGE_CERTIFICATION)):
            raise Http404
        if entry.source == CeuSource.TRAINING:
            messages.error(request, "Hours from a course completed in PeerPath stay on record.")
        else:
            services.ceu_delete(entry=entry, actor=self.actor, ip_address=client_ip(request))
            messages.success(request, f"Removed {entry.hours.normalize():f} hours: {entry.title}.")
        if own:
            return redirect("certification_mine")
        return redirect("certification_peer", pk=entry.profile_id)


class _PrivateFileView(ScopedObjectMixin, View):
    """Streams an uploaded file after the scoped lookup; every download is audited."""

    field = ""
    event = ""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        obj = self.get_object()
        # The peer's own file, or a manager's; seeing a peer's standing is not enough
        # (evidence can include a diagnosis attestation).
        own = obj.profile.membership_id == self.membership.pk
        if not (own or can(self.membership, Capability.MANAGE_CERTIFICATION)):
            raise Http404
        stored = getattr(obj, self.field)
        if not stored:
            raise Http404
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=self.event,
            subject=obj,
            ip_address=client_ip(request),
        )
        return FileResponse(
            stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1]
        )


class CeuCertificateView(_PrivateFileView):
    model = CeuEntry
    field = "certificate"
    event = cert_events.CERTIFICATE_DOWNLOADED


class EvidenceView(_PrivateFileView):
    model = ChecklistItem
    field = "evidence"
    event = cert_events.EVIDENCE_DOWNLOADED


class TeamView(MemberRequiredMixin, TemplateView):
    """Who is behind? Every visible peer's CEU standing for a year, exportable as CSV."""

    capability = Capability.VIEW_TEAM_CERTIFICATION
    template_name = "certification/team.html"
    COLUMNS = (
        "name",
        "email",
        "status",
        "required",
        "earned",
        "carried_in",
        "available",
        "remaining",
        "certification_expires",
        "lapsed",
    )

    def _year(self, today: Any) -> int:
        try:
            year = int(self.request.GET.get("year", today.year))
        except ValueError:
            return int(today.year)
        return year if 2000 <= year <= today.year else int(today.year)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        today = self.membership.organization.today()
        year = self._year(today)
        rows = selectors.team_standings(self.membership, year=year, today=today)
        if request.GET.get("format") == "csv":
            return self._csv(rows, year)
        order = {
            s: i
            for i, s in enumerate(["overdue", "behind", "on_track", "complete", "not_required"])
        }
        rows.sort(key=lambda r: order[r.standing.status])
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r.standing.status, r.standing.status_label)
            counts[key] = counts.get(key, 0) + 1
        left = selectors.turnover(
            PeerProfile.objects.for_member(self.membership),
            start=dt.date(year, 1, 1),
            end=min(today, dt.date(year, 12, 31)),
        )
        reasons = [(SeparationReason(code).label, n) for code, n in left.reasons.items() if code]
        return render(
            request,
            self.template_name,
            {
                "rows": rows,
                "year": year,
                "today": today,
                "counts": counts,
                "years": range(today.year, today.year - 5, -1),
                "turnover": left,
                "turnover_reasons": reasons,
            },
        )

    def _csv(self, rows: list[selectors.TeamRow], year: int) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="ceu-standing-{year}.csv"'
        writer = CsvWriter(response)
        writer.writerow(self.COLUMNS)
        for r in rows:
            s = r.standing
            writer.writerow(
                [
                    r.profile.membership.user.get_full_name(),
                    r.profile.membership.user.email,
                    s.status,
                    s.required,
                    s.earned,
                    s.carried_in,
                    s.available,
                    s.remaining,
                    r.expires_on or "",
                    "yes" if r.lapsed else "no",
                ]
            )
        audit_record(
            actor=self.actor,
            organization=self.membership.organization,
            event=cert_events.CEU_STANDING_EXPORTED,
            data={"year": year, "rows": len(rows)},
        )
        return response


class PeerRecordView(ScopedObjectMixin, TemplateView):
    """A manager's view of one peer: standing, checklist, certification, profile. Each of
    its forms posts to a view of its own (below), which shows this page again, with what
    was typed and the errors, when the form is refused."""

    model = PeerProfile
    capability = Capability.MANAGE_CERTIFICATION
    template_name = "certification/peer.html"
    object: PeerProfile

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        profile = self.object
        today = self.membership.organization.today()
        return {
            **super().get_context_data(**kwargs),
            **_record_context(profile, today=today),
            "profile_form": kwargs.get("profile_form") or ProfileForm(instance=profile),
            "certification_form": kwargs.get("certification_form") or CertificationForm(),
            "reveal_form": RecoveryRevealForm(),
            "renewal_fee": settings.CERTIFICATION_RENEWAL_FEE,
            "may_change_history": True,
            "history_errors": kwargs.get("history_errors"),
            "history_form": kwargs.get("history_form"),
            "history_data": kwargs.get("history_data"),
            "item_form": ChecklistItemForm(),
        }

    def back(self) -> HttpResponse:
        return redirect("certification_peer", pk=self.object.pk)


class _PeerFormView(PeerRecordView):
    """One form of the peer page: the same peer lookup and capability, POST only."""

    http_method_names = ["post"]


class PeerProfileUpdateView(_PeerFormView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        profile = self.object
        # A refused form must not change the profile the page shows.
        form = ProfileForm(request.POST, instance=PeerProfile.objects.get(pk=profile.pk))
        if form.is_valid():
            saved = self.call_service(
                form,
                services.profile_update,
                profile=profile,
                actor=self.actor,
                **{f: form.cleaned_data[f] for f in ProfileForm.Meta.fields},
            )
            if saved is not None:
                messages.success(request, "Saved.")
                return self.back()
        return self.render_to_response(self.get_context_data(profile_form=form))


class CertificationRecordView(_PeerFormView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = CertificationForm(request.POST)
        if form.is_valid():
            recorded = self.call_service(
                form,
                services.certification_record,
                profile=self.object,
                actor=self.actor,
                **form.cleaned_data,
            )
            if recorded is not None:
                messages.success(
                    request, "Certification recorded." + rebilled_note(recorded.rebilled)
                )
                return self.back()
        return self.render_to_response(self.get_context_data(certification_form=form))


def rebilled_note(count: int) -> str:
    """What the person who changed a history is told about the billing it changed."""
    if not count:
        return ""
    return f" {count} encounter{'s' if count != 1 else ''} re-billed."


class _HistoryFormView(_PeerFormView):
    """A form that changes one of this peer's certifications: the certification comes
    from the form, and another peer's is a 404. Shows the page again with the errors."""

    form_class: type[forms.Form]
    success = ""

    def certification(self, form: forms.Form) -> Certification:
        cert = self.object.certifications.filter(pk=form.cleaned_data["certification"]).first()
        if cert is None:
            raise Http404
        return cert

    def change(self, form: forms.Form, cert: Certification) -> Any:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form_class(request.POST)
        if form.is_valid():
            changed = self.change(form, self.certification(form))
            if changed is not None:
                messages.success(request, self.success + rebilled_note(changed.rebilled))
                return self.back()
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return self.render_to_response(
            self.get_context_data(
                history_errors=errors,
                history_form=self.form_class.__name__,
                history_data=request.POST,
            )
        )


class CertificationRenewView(_HistoryFormView):
    form_class = RenewalForm
    success = "Renewal recorded."

    def change(self, form: forms.Form, cert: Certification) -> Any:
        return self.call_service(
            form,
            services.certification_renew,
            certification=cert,
            actor=self.actor,
            effective_on=form.cleaned_data["effective_on"],
            expires_on=form.cleaned_data["expires_on"],
            fee=form.cleaned_data["fee"],
        )


class CertificationCorrectView(_HistoryFormView):
    form_class = CertificationCorrectForm
    success = "Dates corrected."

    def change(self, form: forms.Form, cert: Certification) -> Any:
        return self.call_service(
            form,
            services.certification_correct,
            certification=cert,
            actor=self.actor,
            issued_on=form.cleaned_data["issued_on"],
            expires_on=form.cleaned_data["expires_on"],
        )


class CertificationLapseView(_HistoryFormView):
    form_class = LapseForm
    success = "Lapse recorded."

    def change(self, form: forms.Form, cert: Certification) -> Any:
        lapse = self.call_service(
            form,
            services.certification_lapse,
            certification=cert,
            actor=self.actor,
            lapsed_on=form.cleaned_data["lapsed_on"],
            reason=form.cleaned_data["reason"],
        )
        if lapse is None and not form.errors:
            messages.info(self.request, "That lapse was already recorded.")
            return cert  # nothing changed: rebilled is 0
        return lapse


class CertificationReinstateView(_HistoryFormView):
    form_class = ReinstateForm
    success = "Reinstatement recorded."

    def change(self, form: forms.Form, cert: Certification) -> Any:
        return self.call_service(
            form,
            services.certification_reinstate,
            certification=cert,
            actor=self.actor,
            reinstated_on=form.cleaned_data["reinstated_on"],
        )


class LapseWithdrawView(_HistoryFormView):
    form_class = LapseWithdrawForm
    success = "Lapse withdrawn."

    def change(self, form: forms.Form, cert: Certification) -> Any:
        lapse = cert.lapses.filter(pk=form.cleaned_data["lapse"]).first()
        if lapse is None:
            raise Http404
        return self.call_service(
            form,
            services.lapse_withdraw,
            lapse=lapse,
            actor=self.actor,
            reason=form.cleaned_data["reason"],
        )


class RecoveryDateRevealView(_PeerFormView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = RecoveryRevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, services.REVEAL_NEEDS_A_REASON)
            return self.back()
        services.recovery_date_reveal(
            profile=self.object,
            actor=self.actor,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
        return self.render_to_response(self.get_context_data(revealed=True))


class ChecklistItemView(MemberRequiredMixin, View):
    """Mark one checklist step done (date, evidence): the peer for themself, or a manager."""

    def post(self, request: HttpRequest, pk: int, requirement: str) -> HttpResponse:
        profile = scoped_object_or_404(PeerProfile.objects.all(), self.membership, pk=pk)
        own = profile.membership_id == self.membership.pk
        if not (own or can(self.membership, Capability.MANAGE_CERTIFICATION)):
            raise Http404
        form = ChecklistItemForm(request.POST, request.FILES)
        saved = None
        if form.is_valid():
            saved = self.call_service(
                form,
                services.checklist_mark,
                profile=profile,
                requirement=requirement,
                actor=self.actor,
                **form.cleaned_data,
            )
        if not saved:
            return self._refused(request, profile, own=own, requirement=requirement, form=form)
        messages.success(request, f"Saved: {Requirement(requirement).label}.")
        if own:
            return redirect("certification_mine")
        return redirect("certification_peer", pk=profile.pk)

    def _refused(
        self,
        request: HttpRequest,
        profile: PeerProfile,
        *,
        own: bool,
        requirement: str,
        form: ChecklistItemForm,
    ) -> HttpResponse:
        """The page the step was on again, that step open with what was typed and the
        errors by field (a file must be chosen again: browsers never refill one). A step
        the page does not show (not on this peer's route) is answered in a message."""
        if requirement not in rules.requirements_for_trail(profile.trail):
            problems = [str(e) for errors in form.errors.values() for e in errors]
            messages.error(request, " ".join(problems) or "Not saved.")
            if own:
                return redirect("certification_mine")
            return redirect("certification_peer", pk=profile.pk)
        page: MyCertificationView | PeerRecordView
        if own:
            page = MyCertificationView()
            page.setup(request)
        else:
            page = PeerRecordView()
            page.setup(request, pk=profile.pk)
            page.object = profile
        context = page.get_context_data(refused_step={"code": requirement, "form": form})
        return render(request, page.template_name, context)
