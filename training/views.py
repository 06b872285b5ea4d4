"""Training pages: a person's own training (any signed-in account, member or not), and for
trainers and admins the courses, sessions, roster, attendance sheet and exam scores; for
managers, their staff's training."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from certification import events as cert_events
from config.accounts.models import User
from programs.access import Capability
from programs.audit import audit_record
from programs.models import Membership, Role
from programs.web import MemberRequiredMixin, add_service_errors, client_ip
from training import services
from training.catalog import seed_courses
from training.forms import AttendanceForm, EnrollForm, ExamForm, SessionForm, TrailForm
from training.models import Attendance, Course, Enrollment, EnrollmentStatus, TrainingSession

TAKING_A_SEAT = [EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED]
# Who has a row on the attendance sheet: the statuses attendance_set accepts.
ON_THE_SHEET = [
    EnrollmentStatus.ENROLLED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.INCOMPLETE,
]
WITHDRAWABLE = (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITING)
CLOSE_AFTER_LAST_DAY = "A session is closed after its last day ({end:%b %-d, %Y})."
ADMINS_ONLY = "Only an admin of the organization does this."


# --- who may do what ---------------------------------------------------------------------


def _runs(membership: Membership | None, session: TrainingSession) -> bool:
    """The session's trainer, or an admin of the organization that runs it."""
    return (
        membership is not None
        and membership.is_active
        and membership.organization_id == session.course.organization_id
        and (session.trainer_id == membership.pk or membership.role == Role.ORG_ADMIN)
    )


def _sessions_run_by(membership: Membership) -> QuerySet[TrainingSession]:
    sessions = TrainingSession.objects.for_member(membership)
    if membership.role != Role.ORG_ADMIN:
        sessions = sessions.filter(trainer=membership)
    return cast(QuerySet[TrainingSession], sessions)


def _own(user: User) -> Q:
    """A person's own enrolments: linked to their account, or, when linked to none, made
    with their e-mail."""
    return Q(user=user) | Q(user__isnull=True, email__iexact=user.email)


def _is_own(enrollment: Enrollment, user: User) -> bool:
    if enrollment.user_id is not None:
        return enrollment.user_id == user.pk
    return enrollment.email.lower() == user.email.lower()


def _with_counts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return sessions.annotate(
        taken=Count("enrollments", filter=Q(enrollments__status__in=TAKING_A_SEAT)),
        waiting=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITING)),
    )


def _joinable(user: User) -> QuerySet[TrainingSession]:
    """Sessions of any organization still to start, of an active course, that the person
    has no place (or waiting-list spot) in yet. A full one offers its waiting list."""
    already = Enrollment.objects.filter(_own(user)).exclude(status=EnrollmentStatus.WITHDRAWN)
    return (
        TrainingSession.objects.filter(starts_on__gt=timezone.localdate(), course__is_active=True)
        .exclude(pk__in=already.values("session_id"))
        .select_related("course__organization")
        .order_by("starts_on", "pk")
    )


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
        ctx["enrollments"] = (
            Enrollment.objects.filter(_own(user))
            .select_related("session__course__organization")
            .annotate(hours=Sum("attendance__hours"))
            .order_by("-session__starts_on", "-pk")
        )
        bound: tuple[int, TrailForm] | None = kwargs.get("join")
        sessions = list(_with_counts(_joinable(user)))
        for s in sessions:
            s.seats_left = max(s.capacity - s.taken, 0)  # type: ignore[attr-defined]
            s.join_form = (  # type: ignore[attr-defined]
                bound[1]
                if bound and bound[0] == s.pk
                else TrailForm(auto_id=f"join{s.pk}_%s", initial={"trail": "self_pay"})
            )
        ctx["sessions"] = sessions
        ctx["withdrawable"] = WITHDRAWABLE
        return ctx


class SelfEnrollView(LoginRequiredMixin, View):
    """Join a session under one's own name and e-mail."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = cast(User, request.user)
        session = get_object_or_404(_joinable(user), pk=pk)
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
        enrollment = get_object_or_404(
            Enrollment.objects.select_related("session__course__organization"), pk=pk
        )
        own = _is_own(enrollment, user)
        runner = _runs(request.membership, enrollment.session)  # type: ignore[attr-defined]
        if not (own or runner):
            raise Http404
        back = (
            redirect("session_detail", pk=enrollment.session_id)
            if runner and not own
            else redirect("training_mine")
        )
        if enrollment.status not in WITHDRAWABLE:
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
        enrollment = get_object_or_404(
            Enrollment.objects.select_related("session__course__organization"), pk=pk
        )
        membership = request.membership  # type: ignore[attr-defined]
        if not (_is_own(enrollment, user) or _runs(membership, enrollment.session)):
            raise Http404
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
        ctx["courses"] = Course.objects.for_member(self.membership).annotate(
            session_count=Count("sessions")
        )
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
        mine_first = Case(
            When(trainer=self.membership, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        sessions = TrainingSession.objects.for_member(self.membership).select_related(
            "course", "trainer__user"
        )
        return (
            _with_counts(sessions)
            .annotate(mine_first=mine_first)
            .order_by("mine_first", "-starts_on", "-pk")
        )

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
        sessions = _sessions_run_by(self.membership).select_related(
            "course__organization", "trainer__user"
        )
        return get_object_or_404(sessions, pk=self.kwargs["pk"])

    @property
    def today(self) -> dt.date:
        return self.object.course.organization.today()


def session_days(session: TrainingSession) -> list[dt.date]:
    count = (session.ends_on - session.starts_on).days + 1
    return [session.starts_on + dt.timedelta(days=i) for i in range(count)]


def detail_page(
    request: HttpRequest,
    session: TrainingSession,
    *,
    today: dt.date,
    enroll_form: EnrollForm | None = None,
    exam: tuple[int, ExamForm] | None = None,
) -> HttpResponse:
    """The session page; a form that was refused comes back bound, with its errors."""
    roster = list(
        session.enrollments.annotate(hours=Sum("attendance__hours")).order_by("created_at", "pk")
    )
    for e in roster:
        e.exam_form = (  # type: ignore[attr-defined]
            exam[1] if exam and exam[0] == e.pk else ExamForm(auto_id=f"exam{e.pk}_%s")
        )
        e.exam_open = (  # type: ignore[attr-defined]
            session.course.has_exam
            and e.exam_score is None
            and e.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.INCOMPLETE)
        ) or bool(exam and exam[0] == e.pk)
    counts = {s: sum(e.status == s for e in roster) for s in EnrollmentStatus.values}
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "roster": roster,
            "counts": counts,
            "taken": counts["enrolled"] + counts["completed"],
            "enroll_form": enroll_form or EnrollForm(),
            "days": session_days(session),
            "today": today,
            "can_close": today > session.ends_on and counts["enrolled"] > 0,
            "withdrawable": WITHDRAWABLE,
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


class ExamView(MemberRequiredMixin, View):
    """Record an exam score, once; a refusal is shown on the participant's row."""

    capability = Capability.RUN_TRAINING
    object: Enrollment

    def get_object(self) -> Enrollment:
        sessions = _sessions_run_by(self.membership)
        enrollments = Enrollment.objects.filter(session__in=sessions).select_related(
            "session__course__organization", "session__trainer__user"
        )
        return get_object_or_404(enrollments, pk=self.kwargs["pk"])

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
        participants = self._participants()
        stored = dict(
            Attendance.objects.filter(enrollment__in=participants, date=day).values_list(
                "enrollment_id", "hours"
            )
        )
        return self._render(AttendanceForm(participants=participants, stored=stored), day)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        day = self._day()
        form = AttendanceForm(request.POST, participants=self._participants())
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

    def _participants(self) -> list[Enrollment]:
        return list(
            self.object.enrollments.filter(status__in=ON_THE_SHEET)
            .annotate(hours=Sum("attendance__hours"))
            .order_by("name", "pk")
        )

    def _render(self, form: AttendanceForm, day: dt.date) -> HttpResponse:
        days = session_days(self.object)
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
        # The membership rule already limits a manager to the members of their programs.
        staff = list(
            Membership.objects.for_member(self.membership)
            .filter(is_active=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__email")
        )
        emails = {m.user.email.lower() for m in staff}
        by_email: dict[str, list[Enrollment]] = {}
        rows = (
            Enrollment.objects.filter(email__in=emails)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .select_related("session__course__organization")
            .order_by("-session__starts_on", "-pk")
        )
        for e in rows:
            by_email.setdefault(e.email.lower(), []).append(e)
        ctx["staff"] = [(m, by_email.get(m.user.email.lower(), [])) for m in staff]
        return ctx
