"""Training pages: a person's own training (any signed-in account, member or not), and for
trainers and admins the courses, sessions, roster, attendance sheet and exam scores; for
managers, their staff's training."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from certification import events as cert_events
from config.accounts.models import User
from programs.access import Capability
from programs.audit import audit_record
from programs.models import Role
from programs.web import MemberRequiredMixin, add_service_errors, client_ip
from training import rules, selectors, services
from training.catalog import seed_courses
from training.forms import (
    AttendanceForm,
    EnrollForm,
    ExamForm,
    OpenToOthersForm,
    SessionForm,
    TrailForm,
)
from training.models import Enrollment, EnrollmentStatus, TrainingSession

CLOSE_AFTER_LAST_DAY = "A session is closed after its last day ({end:%b %-d, %Y})."
ADMINS_ONLY = "Only an admin of the organization does this."


def _enrolled_message(enrollment: Enrollment) -> str:
    session = enrollment.session
    if enrollment.status == EnrollmentStatus.WAITING:
        return (
            f"{session.course.title} on {session.starts_on:%b %-d} is full: {enrollment.name} "
            "is on the waiting list, and moves up when a seat opens."
        )
    return f"{enrollment.name} is enrolled in {session.course.title} ({session.starts_on:%b %-d})."


# --- a person's own training -------------------------------------------------------------


class MyTrainingView(LoginRequiredMixin, TemplateView):
    """Open to every signed-in account: people from outside any organization train too."""

    template_name = "training/mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        ctx["enrollments"] = selectors.own_enrollments(user)
        bound: tuple[int, TrailForm] | None = kwargs.get("join")
        sessions = selectors.sessions_to_join(user)
        for s in sessions:
            s.join_form = (  # type: ignore[attr-defined]
                bound[1]
                if bound and bound[0] == s.pk
                else TrailForm(auto_id=f"join{s.pk}_%s", initial={"trail": "self_pay"})
            )
        ctx["sessions"] = sessions
        ctx["withdrawable"] = rules.SIGNED_UP
        return ctx


class SelfEnrollView(LoginRequiredMixin, View):
    """Join a session under one's own name and e-mail."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = cast(User, request.user)
        session = get_object_or_404(selectors.joinable_sessions(user), pk=pk)
        form = TrailForm(request.POST, auto_id=f"join{session.pk}_%s")
        if form.is_valid():
            try:
                enrollment = services.enroll(
                    session=session,
                    actor=user,
                    name=user.get_full_name() or user.email,
                    email=user.email,
                    trail=form.cleaned_data["trail"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _enrolled_message(enrollment))
                return redirect("training_mine")
        view = MyTrainingView(request=request, kwargs={})
        return render(request, view.template_name, view.get_context_data(join=(pk, form)))


class WithdrawView(LoginRequiredMixin, View):
    """A person withdraws their own enrolment; a trainer or admin anyone in their sessions."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = cast(User, request.user)
        membership = request.membership  # type: ignore[attr-defined]
        enrollment = selectors.enrollment_for(user=user, membership=membership, pk=pk)
        own = selectors.is_own(enrollment, user)
        runner = selectors.runs(membership, enrollment.session)
        back = (
            redirect("session_detail", pk=enrollment.session_id)
            if runner and not own
            else redirect("training_mine")
        )
        if enrollment.status not in rules.SIGNED_UP:
            messages.info(request, f"{enrollment.name} is no longer enrolled or waiting.")
            return back
        moved_up = services.withdraw(
            enrollment=enrollment, actor=user, ip_address=client_ip(request)
        )
        course = enrollment.session.course.title
        text = f"{enrollment.name} withdrew from {course}."
        if moved_up is not None and runner:
            text += f" {moved_up.name} moved up from the waiting list."
        messages.success(request, text)
        return back


class CertificateView(LoginRequiredMixin, View):
    """The certificate PDF, for its owner, the session's trainer or an admin; 404 for anyone
    else and while it is not ready."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        user = cast(User, request.user)
        membership = request.membership  # type: ignore[attr-defined]
        enrollment = selectors.enrollment_for(user=user, membership=membership, pk=pk)
        if enrollment.status != EnrollmentStatus.COMPLETED or not enrollment.certificate:
            raise Http404
        audit_record(
            actor=user,
            organization=enrollment.session.course.organization,
            event=cert_events.CERTIFICATE_DOWNLOADED,
            subject=enrollment,
            ip_address=client_ip(request),
        )
        stored = enrollment.certificate
        return FileResponse(
            stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1]
        )


# --- running the training ------------------------------------------------------------------


class CourseListView(MemberRequiredMixin, TemplateView):
    capability = Capability.RUN_TRAINING
    template_name = "training/course_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["courses"] = selectors.courses_for_listing(self.membership)
        ctx["is_admin"] = self.membership.role == Role.ORG_ADMIN
        return ctx

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.membership.role != Role.ORG_ADMIN:
            raise PermissionDenied(ADMINS_ONLY)
        added = seed_courses(self.membership.organization)
        if added:
            messages.success(request, f"{added} standard course{'s' if added != 1 else ''} added.")
        else:
            messages.info(request, "Every standard course is here already.")
        return redirect("course_list")


class SessionListView(MemberRequiredMixin, ListView[TrainingSession]):
    capability = Capability.RUN_TRAINING
    template_name = "training/session_list.html"
    context_object_name = "sessions"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[TrainingSession]:
        return selectors.sessions_for_listing(self.membership)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["is_admin"] = self.membership.role == Role.ORG_ADMIN
        return ctx


class SessionCreateView(MemberRequiredMixin, FormView[SessionForm]):
    capability = Capability.RUN_TRAINING
    template_name = "training/session_form.html"
    form_class = SessionForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        membership = getattr(request, "membership", None)
        if membership is not None and membership.role != Role.ORG_ADMIN:
            raise PermissionDenied(ADMINS_ONLY)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.membership.organization}

    def form_valid(self, form: SessionForm) -> HttpResponse:
        session = self.call_service(
            form, services.session_create, actor=self.actor, **form.cleaned_data
        )
        if session is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Session added: {session}.")
        return redirect("session_detail", pk=session.pk)


class RunSessionMixin(MemberRequiredMixin):
    """A session page for its trainer or an admin of its organization; 404 for anyone else
    (found before the capability check, so others never learn it exists)."""

    capability = Capability.RUN_TRAINING
    object: TrainingSession

    def get_object(self) -> TrainingSession:
        return get_object_or_404(selectors.sessions_run_by(self.membership), pk=self.kwargs["pk"])

    @property
    def today(self) -> dt.date:
        return self.object.course.organization.today()


def detail_page(
    request: HttpRequest,
    session: TrainingSession,
    *,
    today: dt.date,
    enroll_form: EnrollForm | None = None,
    exam: tuple[int, ExamForm] | None = None,
) -> HttpResponse:
    """The session page; a form that was refused comes back bound, with its errors."""
    roster = selectors.session_roster(session)
    for e in roster:
        refused = exam is not None and exam[0] == e.pk
        e.exam_form = (  # type: ignore[attr-defined]
            exam[1] if exam is not None and refused else ExamForm(auto_id=f"exam{e.pk}_%s")
        )
        # A refused score stays open on its row, with the error.
        e.exam_open = refused or rules.exam_is_open(  # type: ignore[attr-defined]
            has_exam=session.course.has_exam, exam_score=e.exam_score, status=e.status
        )
    counts = selectors.status_counts(roster)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "roster": roster,
            "counts": counts,
            "taken": sum(counts[s] for s in rules.TAKING_A_SEAT),
            "enroll_form": enroll_form or EnrollForm(),
            "days": selectors.session_days(session),
            "today": today,
            "can_close": today > session.ends_on and counts["enrolled"] > 0,
            "withdrawable": rules.SIGNED_UP,
            "open_form": OpenToOthersForm(
                initial={"open_to_other_organizations": session.open_to_other_organizations}
            ),
        },
    )


class SessionDetailView(RunSessionMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return detail_page(request, self.object, today=self.today)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = EnrollForm(request.POST)
        if form.is_valid():
            enrollment = self.call_service(
                form,
                services.enroll,
                session=self.object,
                actor=self.actor,
                **form.cleaned_data,
            )
            if enrollment is not None:
                messages.success(request, _enrolled_message(enrollment))
                return redirect("session_detail", pk=pk)
        return detail_page(request, self.object, today=self.today, enroll_form=form)


class SessionCloseView(RunSessionMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.object
        if self.today <= session.ends_on:
            messages.error(request, CLOSE_AFTER_LAST_DAY.format(end=session.ends_on))
            return redirect("session_detail", pk=pk)
        closed = services.session_close(
            session=session, actor=self.actor, ip_address=client_ip(request)
        )
        messages.success(
            request,
            f"Session closed: {closed} participant{'s' if closed != 1 else ''} without every "
            "hour or a passing exam are marked as not completed.",
        )
        return redirect("session_detail", pk=pk)


class SessionOpenToOthersView(RunSessionMixin, View):
    """Its trainer or an admin opens the session to people of other organizations, or
    closes it to them (who joined keeps their place)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = OpenToOthersForm(request.POST)
        form.is_valid()  # a lone checkbox: absent or anything unexpected means closed
        opened = bool(form.cleaned_data.get("open_to_other_organizations"))
        changed = services.session_open_to_others(
            session=self.object,
            actor=self.actor,
            open_to_other_organizations=opened,
            ip_address=client_ip(request),
        )
        if changed:
            messages.success(
                request,
                "People of other organizations can now see and join this session."
                if opened
                else "Only your organization's people see this session now; "
                "who already joined keeps their place.",
            )
        return redirect("session_detail", pk=pk)


class ExamView(MemberRequiredMixin, View):
    """Record an exam score, once; a refusal is shown on the participant's row."""

    capability = Capability.RUN_TRAINING
    object: Enrollment

    def get_object(self) -> Enrollment:
        return get_object_or_404(
            selectors.enrollments_run_by(self.membership), pk=self.kwargs["pk"]
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        enrollment = self.object
        form = ExamForm(request.POST, auto_id=f"exam{pk}_%s")
        if form.is_valid():
            done = self.call_service(
                form,
                services.exam_record,
                enrollment=enrollment,
                actor=self.actor,
                score=form.cleaned_data["score"],
            )
            if done is not None:
                messages.success(
                    request,
                    f"Exam score saved for {done.name}: {form.cleaned_data['score']}% "
                    f"({done.get_status_display().lower()}).",
                )
                return redirect(reverse("session_detail", args=[done.session_id]) + "#roster")
        session = enrollment.session
        return detail_page(
            request,
            session,
            today=session.course.organization.today(),
            exam=(enrollment.pk, form),
        )


class AttendanceView(RunSessionMixin, View):
    """One day's attendance on one phone screen: an hours input per participant."""

    template_name = "training/attendance.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        day = self._day()
        participants = selectors.attendance_sheet(self.object)
        stored = selectors.attendance_on(participants, day)
        return self._render(AttendanceForm(participants=participants, stored=stored), day)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        day = self._day()
        form = AttendanceForm(request.POST, participants=selectors.attendance_sheet(self.object))
        if form.is_valid():
            changed = self.call_service(
                form,
                services.attendance_set,
                session=self.object,
                actor=self.actor,
                day=day,
                hours=form.hours_to_save(),
            )
            if changed is not None:
                rows = f"{changed} row{'s' if changed != 1 else ''} changed"
                messages.success(request, f"Attendance saved for {day:%a %b %-d}: {rows}.")
                return redirect(f"{request.path}?day={day.isoformat()}")
        return self._render(form, day)

    def _day(self) -> dt.date:
        """The day asked for; else today while the session runs, else its first day."""
        session = self.object
        try:
            asked = dt.date.fromisoformat(self.request.GET.get("day", "").strip())
        except ValueError:
            asked = None
        if asked is not None and session.starts_on <= asked <= session.ends_on:
            return asked
        if session.starts_on <= self.today <= session.ends_on:
            return self.today
        return session.starts_on

    def _render(self, form: AttendanceForm, day: dt.date) -> HttpResponse:
        days = selectors.session_days(self.object)
        i = days.index(day)
        return render(
            self.request,
            self.template_name,
            {
                "session": self.object,
                "form": form,
                "day": day,
                "today": self.today,
                "future": day > self.today,
                "previous": days[i - 1] if i > 0 else None,
                "next": days[i + 1] if i + 1 < len(days) else None,
                "day_number": i + 1,
                "day_count": len(days),
            },
        )


# --- managers -----------------------------------------------------------------------------


class StaffTrainingView(MemberRequiredMixin, TemplateView):
    """The staff a manager follows (an admin: everyone), with their training anywhere,
    matched by e-mail."""

    capability = Capability.VIEW_STAFF_TRAINING
    template_name = "training/staff.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["staff"] = selectors.staff_training(self.membership)
        return ctx
