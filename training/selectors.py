"""Reads for training, and who sees what of it.

Inside an organization (registered with programs.access): the courses are for who runs
training (its trainers and admins); a session, its roster and attendance are for who runs
it (its trainer, or an admin). Outside any organization: a person's own enrolments, matched
by account or e-mail, and the upcoming sessions they may join: their own organizations',
and another organization's only when it marked the session open to other organizations.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config.accounts.models import User
from programs.access import Capability, can, rule_for
from programs.models import Membership, Role
from training import rules
from training.models import Attendance, Course, Enrollment, EnrollmentStatus, TrainingSession

# --- who sees what inside an organization -----------------------------------------------------


@rule_for(Course)
def _courses_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs if can(membership, Capability.RUN_TRAINING) else qs.none()


@rule_for(TrainingSession)
def _sessions_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """The sessions the member runs: an admin every one, anyone else those they teach."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    return qs.filter(trainer=membership)


@rule_for(Enrollment)
def _enrollments_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(session__in=TrainingSession.objects.for_member(membership).values("pk"))


def runs(membership: Membership | None, session: TrainingSession) -> bool:
    """The session's trainer, or an admin of the organization that runs it (the rule
    above, for a session already loaded)."""
    return (
        membership is not None
        and membership.is_active
        and membership.organization_id == session.course.organization_id
        and (session.trainer_id == membership.pk or membership.role == Role.ORG_ADMIN)
    )


def sessions_run_by(membership: Membership) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.for_member(membership).select_related(
        "course__organization", "trainer__user"
    )


def enrollments_run_by(membership: Membership) -> QuerySet[Enrollment]:
    return Enrollment.objects.for_member(membership).select_related(
        "session__course__organization", "session__trainer__user"
    )


# --- a person's own training -------------------------------------------------------------------


def _own(user: User) -> Q:
    """A person's own enrolments: linked to their account, or, when linked to none, made
    with their e-mail."""
    return Q(user=user) | Q(user__isnull=True, email__iexact=user.email)


def is_own(enrollment: Enrollment, user: User) -> bool:
    if enrollment.user_id is not None:
        return enrollment.user_id == user.pk
    return enrollment.email.lower() == user.email.lower()


def enrollment_for(*, user: User, membership: Membership | None, pk: int) -> Enrollment:
    """An enrolment for its person, or for who runs its session; 404 for anyone else."""
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("session__course__organization"), pk=pk
    )
    if not (is_own(enrollment, user) or runs(membership, enrollment.session)):
        raise Http404
    return enrollment


def own_enrollments(user: User) -> QuerySet[Enrollment]:
    """Every enrolment of the person, in any organization, newest session first, with the
    hours attended."""
    return (
        Enrollment.objects.filter(_own(user))
        .select_related("session__course__organization")
        .annotate(hours=Sum("attendance__hours"))
        .order_by("-session__starts_on", "-pk")
    )


def _seen_from_outside_or_by_a_member(user: User) -> Q:
    """The sessions a person may see to join: those of an organization they belong to, and
    those another organization opened to people of other organizations."""
    theirs = Membership.objects.filter(user=user, is_active=True).values("organization_id")
    return Q(open_to_other_organizations=True) | Q(course__organization__in=theirs)


def _with_counts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return sessions.annotate(
        taken=Count("enrollments", filter=Q(enrollments__status__in=rules.TAKING_A_SEAT)),
        waiting=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITING)),
    )


def joinable_sessions(user: User) -> QuerySet[TrainingSession]:
    """Sessions the person may see (their organizations', or opened to others) still to
    start, of an active course, that the person has no place (or waiting-list spot) in
    yet. A full one offers its waiting list."""
    already = Enrollment.objects.filter(_own(user)).exclude(status=EnrollmentStatus.WITHDRAWN)
    return (
        TrainingSession.objects.filter(starts_on__gt=timezone.localdate(), course__is_active=True)
        .filter(_seen_from_outside_or_by_a_member(user))
        .exclude(pk__in=already.values("session_id"))
        .select_related("course__organization")
        .order_by("starts_on", "pk")
    )


def sessions_to_join(user: User) -> list[TrainingSession]:
    """The joinable sessions, each with its seats taken, waiting and left."""
    sessions = list(_with_counts(joinable_sessions(user)))
    for s in sessions:
        s.seats_left = max(s.capacity - s.taken, 0)  # type: ignore[attr-defined]
    return sessions


# --- running the training ------------------------------------------------------------------


def courses_for_listing(membership: Membership) -> QuerySet[Course]:
    return Course.objects.for_member(membership).annotate(session_count=Count("sessions"))


def sessions_for_listing(membership: Membership) -> QuerySet[TrainingSession]:
    """The organization's timetable: every session of the courses the member sees, other
    trainers' too (their rosters stay theirs), the member's own first, with seat counts."""
    mine_first = Case(
        When(trainer=membership, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    sessions = TrainingSession.objects.filter(
        course__in=Course.objects.for_member(membership).values("pk")
    ).select_related("course", "trainer__user")
    return (
        _with_counts(sessions)
        .annotate(mine_first=mine_first)
        .order_by("mine_first", "-starts_on", "-pk")
    )


def session_days(session: TrainingSession) -> list[dt.date]:
    count = (session.ends_on - session.starts_on).days + 1
    return [session.starts_on + dt.timedelta(days=i) for i in range(count)]


def session_roster(session: TrainingSession) -> list[Enrollment]:
    """Everyone who signed up, in the order they did, with the hours attended."""
    return list(
        session.enrollments.annotate(hours=Sum("attendance__hours")).order_by("created_at", "pk")
    )


def status_counts(roster: list[Enrollment]) -> dict[str, int]:
    return {s: sum(e.status == s for e in roster) for s in EnrollmentStatus.values}


def attendance_sheet(session: TrainingSession) -> list[Enrollment]:
    """The rows of the attendance sheet, by name, with the hours attended so far."""
    return list(
        session.enrollments.filter(status__in=rules.ON_THE_SHEET)
        .annotate(hours=Sum("attendance__hours"))
        .order_by("name", "pk")
    )


def attendance_on(participants: list[Enrollment], day: dt.date) -> dict[int, Decimal]:
    """The hours already recorded for `day`, by enrolment."""
    return dict(
        Attendance.objects.filter(enrollment__in=participants, date=day).values_list(
            "enrollment_id", "hours"
        )
    )


# --- managers -----------------------------------------------------------------------------


def staff_training(membership: Membership) -> list[tuple[Membership, list[Enrollment]]]:
    """The staff a manager follows (an admin: everyone), each with their training, matched
    by e-mail: in the manager's organization, or in another organization's session open to
    other organizations (a closed one is that organization's business). Two queries,
    whatever the staff's size."""
    # The membership rule already limits a manager to the members of their programs.
    staff = list(
        Membership.objects.for_member(membership)
        .filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    emails = {m.user.email.lower() for m in staff}
    by_email: dict[str, list[Enrollment]] = {}
    rows = (
        Enrollment.objects.filter(email__in=emails)
        .filter(
            Q(session__course__organization=membership.organization_id)
            | Q(session__open_to_other_organizations=True)
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("session__course__organization")
        .order_by("-session__starts_on", "-pk")
    )
    for e in rows:
        by_email.setdefault(e.email.lower(), []).append(e)
    return [(m, by_email.get(m.user.email.lower(), [])) for m in staff]
