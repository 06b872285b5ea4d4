"""Organization pages: home, programs, members and invitations, the audit log."""

from __future__ import annotations

from typing import Any, TypeVar

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from config.accounts.models import User
from programs import extensions, selectors, services, sign_in_audit
from programs.access import Capability, can, scoped_object_or_404
from programs.forms import AcceptInvitationForm, InvitationForm, MembershipForm, ProgramForm
from programs.middleware import ACTIVE_ORGANIZATION_SESSION_KEY
from programs.models import AuditEvent, Invitation, Membership, Notification, Program
from programs.web import MemberRequiredMixin, ScopedObjectMixin, add_service_errors, client_ip

T = TypeVar("T")


class HomeView(MemberRequiredMixin, TemplateView):
    template_name = "programs/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["programs"] = selectors.programs_for_listing(self.membership)
        if can(self.membership, Capability.MANAGE_MEMBERS):
            ctx["role_counts"] = selectors.role_counts(self.membership)
            ctx["pending_invitations"] = selectors.pending_invitations(self.membership).count()
        ctx.update(extensions.home_context(self.membership))
        return ctx


@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    wanted = request.POST.get("organization", "")
    for m in getattr(request, "memberships", []):
        if str(m.organization_id) == wanted:
            request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = m.organization_id
            messages.info(request, f"You are now working in {m.organization.name}.")
            break
    else:
        messages.error(request, "You are not a member of that organization.")
    return redirect("home")


# --- Programs -----------------------------------------------------------------------------
class ProgramListView(MemberRequiredMixin, ListView[Program]):
    capability = Capability.VIEW_PROGRAMS
    template_name = "programs/program_list.html"
    context_object_name = "programs"

    def get_queryset(self) -> QuerySet[Program]:
        return selectors.programs_for_listing(self.membership)


class ProgramDetailView(ScopedObjectMixin, DetailView[Program]):
    model = Program
    capability = Capability.VIEW_PROGRAMS
    template_name = "programs/program_detail.html"
    context_object_name = "program"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["staff"] = selectors.members_for_listing(self.membership).filter(
            programs=self.object, is_active=True
        )
        from programs.budget import program_budget
        from programs.planning_views import phase_context

        ctx.update(phase_context(self.object))
        if can(self.membership, Capability.MANAGE_PROGRAMS):
            ctx["positions"] = program_budget(self.object)
        if can(self.membership, Capability.MANAGE_READINESS):
            from programs.models import ReadinessAssessment
            from programs.readiness import verdict_for

            latest = (
                ReadinessAssessment.objects.for_member(self.membership)
                .order_by("-assessed_on", "-pk")
                .first()
            )
            if latest is not None:
                ctx["readiness"] = (latest, verdict_for(latest))
        ctx.update(extensions.program_context(self.object, self.membership))
        return ctx


class ProgramFormView(MemberRequiredMixin, FormView[ProgramForm]):
    """Create a program, or edit one when the URL names it."""

    capability = Capability.MANAGE_PROGRAMS
    template_name = "programs/program_form.html"
    form_class = ProgramForm
    object: Program | None = None

    def get_object(self) -> Program:
        return scoped_object_or_404(
            Program.objects.all(), self.membership, slug=self.kwargs["slug"]
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(program=self.object, **kwargs)

    def form_valid(self, form: ProgramForm) -> HttpResponse:
        program = self.call_service(
            form,
            services.program_save,
            organization=self.membership.organization,
            actor=self.actor,
            program=self.object,
            **{k: form.cleaned_data[k] for k in ProgramForm.Meta.fields},
        )
        if program is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {program.name}.")
        return redirect("program_detail", slug=program.slug)


# --- Members and invitations --------------------------------------------------------------
class MemberListView(MemberRequiredMixin, ListView[Membership]):
    capability = Capability.MANAGE_MEMBERS
    template_name = "programs/member_list.html"
    context_object_name = "members"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.members_for_listing(self.membership)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["invitations"] = selectors.pending_invitations(self.membership)
        return ctx


class MemberUpdateView(ScopedObjectMixin, UpdateView[Membership, MembershipForm]):
    model = Membership
    capability = Capability.MANAGE_MEMBERS
    form_class = MembershipForm
    template_name = "programs/member_form.html"
    context_object_name = "member"

    def form_valid(self, form: MembershipForm) -> HttpResponse:
        saved = self.call_service(
            form,
            services.membership_update,
            membership=self.object,
            actor=self.actor,
            role=form.cleaned_data["role"],
            programs=form.cleaned_data["programs"],
            is_active=form.cleaned_data["is_active"],
        )
        if saved is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object.user}.")
        return redirect("member_list")


class MemberLockoutClearView(ScopedObjectMixin, View):
    """POST-only: lift a member's sign-in lockout (another organization's member is a 404)."""

    model = Membership
    capability = Capability.MANAGE_MEMBERS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = self.get_object()
        sign_in_audit.sign_in_lockout_clear(
            membership=member, actor=self.actor, ip_address=client_ip(request)
        )
        messages.success(request, f"{member.user} can sign in again from anywhere.")
        return redirect("member_edit", pk=member.pk)


class InvitationCreateView(MemberRequiredMixin, FormView[InvitationForm]):
    capability = Capability.MANAGE_MEMBERS
    template_name = "programs/invitation_form.html"
    form_class = InvitationForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.membership.organization}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(valid_days=settings.INVITATION_VALID_FOR.days, **kwargs)

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        created = self.call_service(
            form,
            services.invitation_create,
            organization=self.membership.organization,
            invited_by=self.actor,
            **form.cleaned_data,
        )
        if created is None:
            return self.form_invalid(form)
        invitation, _token = created
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect("member_list")


class InvitationActionView(ScopedObjectMixin, View):
    """POST-only: resend or withdraw a pending invitation."""

    model = Invitation
    capability = Capability.MANAGE_MEMBERS
    action = "resend"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invitation = self.get_object()
        try:
            if self.action == "resend":
                services.invitation_resend(
                    invitation=invitation, actor=self.actor, ip_address=client_ip(request)
                )
                messages.success(request, f"A new link was sent to {invitation.email}.")
            else:
                services.invitation_revoke(
                    invitation=invitation, actor=self.actor, ip_address=client_ip(request)
                )
                messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if request.htmx:  # type: ignore[attr-defined]
            # Only the list is replaced; its messages are shown inside it.
            return render(
                request,
                "programs/_invitation_list.html",
                {
                    "invitations": selectors.pending_invitations(self.membership),
                    "invitation_messages": list(messages.get_messages(request)),
                },
            )
        return redirect("member_list")


class InvitationAcceptView(View):
    """The page an invitation link opens. Works signed out (new account) or signed in."""

    template_name = "programs/invitation_accept.html"

    def _invitation(self, token: str) -> Invitation | None:
        invitation = services.invitation_by_token(token)
        return invitation if invitation is not None and invitation.is_usable else None

    def _render(
        self, request: HttpRequest, invitation: Invitation | None, **ctx: Any
    ) -> HttpResponse:

        if invitation is None:
            return render(request, "programs/invitation_invalid.html", status=410)
        has_account = User.objects.filter(email=invitation.email).exists()
        return render(
            request,
            self.template_name,
            {"invitation": invitation, "has_account": has_account, **ctx},
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        form = AcceptInvitationForm(email=invitation.email) if invitation else None
        return self._render(request, invitation, form=form)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        if invitation is None:
            return self._render(request, None)
        if request.user.is_authenticated:
            try:
                membership = services.invitation_accept(
                    invitation=invitation,
                    user=request.user,
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return self._render(request, invitation)
            request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = membership.organization_id
            messages.success(request, f"Welcome to {membership.organization.name}.")
            return redirect("home")
        form = AcceptInvitationForm(request.POST, email=invitation.email)
        if not form.is_valid():
            return self._render(request, invitation, form=form)
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(request, invitation, form=form)
        messages.success(request, f"Welcome to {membership.organization.name}.")
        # allauth's own sign-in, so the session records how and when the person signed in
        # (the first second-factor enrolment relies on that).
        response = perform_login(request, membership.user, redirect_url=reverse("home"))
        # They just chose and typed their password: record it as this session's sign-in.
        record_authentication(request, membership.user, method="password")
        request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = membership.organization_id
        return response


# --- Notifications ------------------------------------------------------------------------
class NotificationListView(MemberRequiredMixin, ListView[Notification]):
    """One's own notifications; opening the page marks them read."""

    template_name = "programs/notifications.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.for_member(self.membership)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if isinstance(response, TemplateResponse):
            response.render()  # show what was unread, then mark read what was shown
            shown = [n.pk for n in response.context_data["notifications"]]  # type: ignore[index]
            services.notifications_mark_read(membership=self.membership, ids=shown)
        return response


# --- Audit log ----------------------------------------------------------------------------
class AuditLogView(MemberRequiredMixin, ListView[AuditEvent]):
    capability = Capability.VIEW_AUDIT_LOG
    template_name = "programs/audit_log.html"
    context_object_name = "events"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.for_member(self.membership).select_related("actor")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.GET.get("format") == "csv":
            return self._csv()
        return super().get(request, *args, **kwargs)

    def _csv(self) -> StreamingHttpResponse:
        """The whole log, oldest first, streamed so a long history does not fill memory."""
        import json

        from programs.spreadsheets import CsvWriter, Echo

        writer = CsvWriter(Echo())
        events = self.get_queryset().order_by("at", "pk")

        def rows() -> Any:
            yield writer.writerow(
                ["at", "actor", "event", "subject_type", "subject_id", "ip_address", "data"]
            )
            for e in events.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        e.at.isoformat(),
                        e.actor.email if e.actor else "",
                        e.event,
                        e.subject_type,
                        e.subject_id,
                        e.ip_address or "",
                        json.dumps(e.data, sort_keys=True),
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose health checks: the app answers and the database too."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
