"""Writes for training: enrolment and the waiting list, attendance, the exam (once), and
what completing a course sets off (certificate, checklist, CEU credit). Audited."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from certification.rules import HOURS_RANGE, is_hours_in_a_day
from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Role
from programs.services import notification_send
from training import events as training_events
from training import rules
from training.models import (
    Attendance,
    Course,
    Enrollment,
    EnrollmentStatus,
    Trail,
    TrainingSession,
)

ALREADY_COMPLETED = "{name} has already completed {course}."
IN_ANOTHER_SESSION = "{name} is already signed up for another session of {course}."
SESSION_TOO_LONG = "A session runs at most 60 days."
STARTS_IN_PAST = "A new session starts today or later."
NOT_IN_SESSION_DAYS = "This day is not one of the session's days ({start} to {end})."
SCORE_RANGE = "Enter a score from 0 to 100."
NO_EXAM = "This course has no exam."
NO_RETAKE = (
    "An exam score is recorded once: there are no retakes. To try again, {name} enrolls in "
    "a new session."
)
NOT_TAKING_PART = "{name} is not taking part in this session ({status})."
NOT_THE_TRAINER = "Only the session's trainer or an admin of its organization records this."
UNKNOWN_TRAIL = "Choose how the person came to the training."
FUTURE_DAY = "Attendance is recorded on or after the day."
NOT_OVER_YET = "The session runs until {day}; close it after its last day."
TRAINER_OF_ORGANIZATION = "Choose one of the organization's trainers or admins."
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


# A settled outcome of the course rule: the enrolment's status and its audit event.
OUTCOMES = {
    rules.COMPLETED: (EnrollmentStatus.COMPLETED, training_events.TRAINING_COMPLETED),
    rules.FAILED: (EnrollmentStatus.FAILED, training_events.TRAINING_FAILED),
    rules.INCOMPLETE: (EnrollmentStatus.INCOMPLETE, training_events.TRAINING_INCOMPLETE),
}


def _status_move(enrollment: Enrollment, to: EnrollmentStatus) -> None:
    """Every status change of an enrolment goes through here: rules.STATUS_MOVES must allow
    it (else rules.StatusMoveRefused). The caller saves."""
    rules.check_status_move(enrollment.status, to)
    enrollment.status = to


def _may_run(session: TrainingSession, actor: User) -> bool:
    """The session's trainer, or an admin of the organization that runs it."""
    return (
        Membership.objects.filter(
            user=actor, organization=session.course.organization_id, is_active=True
        )
        .filter(Q(pk=session.trainer_id) | Q(role=Role.ORG_ADMIN))
        .exists()
    )


def _check_runner(session: TrainingSession, actor: User | None) -> None:
    if actor is not None and not _may_run(session, actor):
        raise ValidationError(NOT_THE_TRAINER)


# --- enrolment and the waiting list --------------------------------------------------------


@transaction.atomic
def enroll(
    *,
    session: TrainingSession,
    actor: User | None,
    name: str,
    email: str,
    trail: str,
    ip_address: str | None = None,
) -> Enrollment:
    """Enrol a person (by e-mail; linked to their account if they have one). A full
    session puts them on its waiting list. The same person enrolled twice is enrolled once."""
    email = email.strip().lower()
    session = (
        TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    )
    existing = session.enrollments.filter(email=email).first()
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        return existing
    if trail not in Trail.values:
        raise ValidationError({"trail": UNKNOWN_TRAIL})
    elsewhere = Enrollment.objects.filter(
        session__course=session.course, email=email, status__in=rules.SIGNED_UP
    ).exclude(session=session)
    if elsewhere.exists():
        raise ValidationError(
            {"email": IN_ANOTHER_SESSION.format(name=name or email, course=session.course)}
        )
    done = Enrollment.objects.filter(
        session__course=session.course, email=email, status=EnrollmentStatus.COMPLETED
    )
    if done.exists():
        raise ValidationError(
            {"email": ALREADY_COMPLETED.format(name=name or email, course=session.course)}
        )
    taken = session.enrollments.filter(status__in=rules.TAKING_A_SEAT).count()
    status = EnrollmentStatus.ENROLLED if taken < session.capacity else EnrollmentStatus.WAITING
    user = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Withdrew earlier and comes back: the same record (its history kept), at the end
        # of the line.
        _status_move(existing, status)
        existing.trail, existing.enrolled_by = trail, actor
        existing.created_at = timezone.now()
        existing.save(update_fields=["status", "trail", "enrolled_by", "created_at", "updated_at"])
        enrollment = existing
    else:
        enrollment = Enrollment.objects.create(
            session=session,
            user=user,
            name=name.strip(),
            email=email,
            trail=trail,
            status=status,
            enrolled_by=actor,
        )
    audit_record(
        actor=actor,
        organization=session.course.organization,
        event=training_events.TRAINING_ENROLLED,
        subject=enrollment,
        ip_address=ip_address,
        data={"status": status},
    )
    return enrollment


@transaction.atomic
def withdraw(
    *, enrollment: Enrollment, actor: User | None, ip_address: str | None = None
) -> Enrollment | None:
    """Take a person out of a session. When a seat frees up, the first on the waiting list
    moves up (and is told). Returns who moved up, if anyone."""
    session = (
        TrainingSession.objects.select_for_update()
        .select_related("course")
        .get(pk=enrollment.session_id)
    )
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    if enrollment.status not in rules.SIGNED_UP:
        return None
    freed = enrollment.status == EnrollmentStatus.ENROLLED
    _status_move(enrollment, EnrollmentStatus.WITHDRAWN)
    enrollment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        organization=session.course.organization,
        event=training_events.TRAINING_WITHDRAWN,
        subject=enrollment,
        ip_address=ip_address,
    )
    if not freed:
        return None
    first = (
        session.enrollments.filter(status=EnrollmentStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if first is None:
        return None
    _status_move(first, EnrollmentStatus.ENROLLED)
    first.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=None,
        organization=session.course.organization,
        event=training_events.TRAINING_MOVED_UP,
        subject=first,
    )
    if first.user is not None:
        notification_send(
            user=first.user,
            organization=session.course.organization,
            title=f"A seat opened for you: {session.course.title}",
            body=f"You are now enrolled in the session starting {session.starts_on:%b %-d, %Y}.",
            link="/training/",
        )
    return first


# --- attendance and the exam ----------------------------------------------------------------


def _check_hours(hours: Decimal) -> None:
    if not is_hours_in_a_day(hours):
        raise ValidationError({"hours": HOURS_RANGE})


@transaction.atomic
def attendance_set(
    *,
    session: TrainingSession,
    actor: User | None,
    day: dt.date,
    hours: dict[int, Decimal | None],
    ip_address: str | None = None,
) -> int:
    """Record the hours each participant attended on one day (None clears it), then see
    who has completed. Returns how many rows changed."""
    # One save of a day at a time (a double tap would otherwise create a row twice).
    session = (
        TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    )
    _check_runner(session, actor)
    if not session.starts_on <= day <= session.ends_on:
        raise ValidationError(
            {"day": NOT_IN_SESSION_DAYS.format(start=session.starts_on, end=session.ends_on)}
        )
    if day > session.course.organization.today():
        raise ValidationError({"day": FUTURE_DAY})
    for value in hours.values():
        if value is not None:
            _check_hours(value)
    taking_part = {
        e.pk: e
        for e in session.enrollments.filter(pk__in=list(hours), status__in=rules.ON_THE_SHEET)
    }
    existing = {
        a.enrollment_id: a
        for a in Attendance.objects.select_for_update().filter(
            enrollment__in=list(taking_part), date=day
        )
    }
    changed = 0
    for enrollment_id, value in hours.items():
        if enrollment_id not in taking_part:
            continue
        row = existing.get(enrollment_id)
        if value is None:
            if row is not None:
                row.delete()
                changed += 1
        elif row is None:
            Attendance.objects.create(
                enrollment_id=enrollment_id, date=day, hours=value, recorded_by=actor
            )
            changed += 1
        elif row.hours != value:
            row.hours, row.recorded_by = value, actor
            row.save(update_fields=["hours", "recorded_by", "updated_at"])
            changed += 1
    if changed:
        audit_record(
            actor=actor,
            organization=session.course.organization,
            event=training_events.TRAINING_ATTENDANCE,
            subject=session,
            ip_address=ip_address,
            data={"day": day.isoformat(), "changed": changed},
        )
    for enrollment in taking_part.values():
        evaluate(enrollment)
    return changed


@transaction.atomic
def exam_record(
    *,
    enrollment: Enrollment,
    actor: User | None,
    score: Decimal,
    ip_address: str | None = None,
) -> Enrollment:
    """Record the exam score, once. There are no retakes."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("session__course__organization")
        .get(pk=enrollment.pk)
    )
    session = enrollment.session
    _check_runner(session, actor)
    if not session.course.has_exam:
        raise ValidationError(NO_EXAM)
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError({"score": SCORE_RANGE})
    if enrollment.exam_score is not None:
        if enrollment.exam_score == score:
            return enrollment
        raise ValidationError({"score": NO_RETAKE.format(name=enrollment.name)})
    if enrollment.status not in rules.OUTCOME_OPEN:
        raise ValidationError(
            NOT_TAKING_PART.format(name=enrollment.name, status=enrollment.get_status_display())
        )
    enrollment.exam_score = score
    enrollment.save(update_fields=["exam_score", "updated_at"])
    audit_record(
        actor=actor,
        organization=session.course.organization,
        event=training_events.TRAINING_EXAM,
        subject=enrollment,
        ip_address=ip_address,
        data={"score": str(score)},
    )
    return evaluate(enrollment)


# --- completion ---------------------------------------------------------------------------


def attended_hours(enrollment: Enrollment) -> Decimal:
    """Hours that count toward this enrolment's course: its own, and, for a course that
    need not be taken continuously, those of the person's earlier unfinished sessions."""
    course = enrollment.session.course
    rows = Attendance.objects.filter(enrollment=enrollment)
    if not course.continuous:
        earlier = Enrollment.objects.filter(
            session__course=course,
            email=enrollment.email,
            status=EnrollmentStatus.INCOMPLETE,
        ).exclude(pk=enrollment.pk)
        ids = [enrollment.pk, *earlier.values_list("pk", flat=True)]
        rows = Attendance.objects.filter(enrollment__in=ids)
    return rows.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def evaluate(enrollment: Enrollment, *, close: bool = False) -> Enrollment:
    """Apply the course rule to an enrolment; on completion, issue the certificate and the
    credits (once). `close` treats the session as over (missing hours: incomplete)."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("session__course__organization")
        .get(pk=enrollment.pk)
    )
    if enrollment.status not in rules.OUTCOME_OPEN:
        return enrollment
    session, course = enrollment.session, enrollment.session.course
    today = course.organization.today()
    outcome = rules.course_outcome(
        required_hours=course.required_hours,
        attended_hours=attended_hours(enrollment),
        pass_mark=course.pass_mark,
        exam_score=enrollment.exam_score,
        session_over=close or today > session.ends_on,
    )
    if outcome.result == rules.IN_PROGRESS:
        return enrollment
    status, event = OUTCOMES[outcome.result]
    if status == enrollment.status:
        return enrollment
    _status_move(enrollment, status)
    fields = ["status", "updated_at"]
    if status == EnrollmentStatus.COMPLETED:
        enrollment.completed_on = min(today, session.ends_on)
        enrollment.certificate_code = _new_code()
        fields += ["completed_on", "certificate_code"]
    enrollment.save(update_fields=fields)
    audit_record(
        actor=None,
        organization=course.organization,
        event=event,
        subject=enrollment,
        data={"reason": outcome.reason} if outcome.reason else {},
    )
    if status == EnrollmentStatus.COMPLETED:
        credit(enrollment)
        from training.tasks import render_certificate

        transaction.on_commit(lambda: render_certificate.delay(enrollment_id=enrollment.pk))
    return enrollment


def _new_code() -> str:
    while True:
        code = "-".join("".join(secrets.choice(CODE_LETTERS) for _ in range(4)) for _ in range(3))
        if not Enrollment.objects.filter(certificate_code=code).exists():
            return code


def credit(enrollment: Enrollment) -> None:
    """Completing Peer Support 101 ticks the training-hours and exam items of the person's
    certification checklist; a CEU-approved course adds a CEU entry, once."""
    from certification.models import PeerProfile, Requirement
    from certification.rules import requirements_for_trail
    from certification.services import ceu_add, checklist_mark

    course = enrollment.session.course
    if enrollment.user_id is None:
        return  # no account to credit
    # The person's own peer profiles: in the organization that ran the course, or, when
    # they joined the session themselves, wherever they work. Another organization's
    # trainer typing someone's e-mail address credits nobody elsewhere.
    profiles = PeerProfile.objects.filter(
        membership__user_id=enrollment.user_id, membership__role=Role.PEER_SUPPORTER
    ).select_related("membership")
    if enrollment.enrolled_by_id != enrollment.user_id:
        profiles = profiles.filter(membership__organization=course.organization_id)
    for profile in profiles:
        if course.completes_initial_training:
            for requirement in (Requirement.TRAINING_HOURS, Requirement.EXAM):
                done = profile.checklist.filter(requirement=requirement, completed_on__isnull=False)
                if requirement in requirements_for_trail(profile.trail) and not done.exists():
                    checklist_mark(
                        profile=profile,
                        requirement=requirement,
                        actor=None,
                        completed_on=enrollment.completed_on,
                        note=f"{course.title}, certificate {enrollment.certificate_code}",
                    )
        if course.ceu_approved:
            try:
                with transaction.atomic():
                    ceu_add(
                        profile=profile,
                        actor=None,
                        date=enrollment.completed_on or enrollment.session.ends_on,
                        hours=course.required_hours,
                        title=course.title,
                        provider=course.organization.name,
                        topic=(course.topics or [""])[0],
                        source="training",
                        source_key=f"training:course:{course.pk}:{profile.pk}",
                    )
            except IntegrityError:
                continue  # credited already (once per course and profile)
            except ValidationError as exc:
                audit_record(
                    actor=None,
                    organization=profile.membership.organization,
                    event=training_events.TRAINING_CREDIT_REFUSED,
                    subject=enrollment,
                    data={"reason": " ".join(exc.messages)},
                )


@transaction.atomic
def session_create(
    *,
    actor: User,
    course: Course,
    starts_on: dt.date,
    ends_on: dt.date,
    place: str,
    trainer: Membership,
    capacity: int,
    fee: Decimal,
    open_to_other_organizations: bool = False,
    ip_address: str | None = None,
    **_: Any,
) -> TrainingSession:
    """Add a session of a course, run by one of the organization's trainers or admins."""
    if trainer.organization_id != course.organization_id or trainer.role not in (
        Role.TRAINER,
        Role.ORG_ADMIN,
    ):
        raise ValidationError({"trainer": TRAINER_OF_ORGANIZATION})
    if (ends_on - starts_on).days > 60:
        raise ValidationError({"ends_on": SESSION_TOO_LONG})
    if starts_on < course.organization.today():
        raise ValidationError({"starts_on": STARTS_IN_PAST})
    session = TrainingSession(
        course=course,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        trainer=trainer,
        capacity=capacity,
        fee=fee,
        open_to_other_organizations=open_to_other_organizations,
    )
    session.full_clean()
    session.save()
    audit_record(
        actor=actor,
        organization=course.organization,
        event=training_events.TRAINING_SESSION_CREATED,
        subject=session,
        ip_address=ip_address,
        data={"open_to_other_organizations": open_to_other_organizations},
    )
    return session


@transaction.atomic
def session_open_to_others(
    *,
    session: TrainingSession,
    actor: User,
    open_to_other_organizations: bool,
    ip_address: str | None = None,
) -> bool:
    """Open a session to people of other organizations, or close it to them, by its
    trainer or an admin. Who already joined from elsewhere keeps their place. Returns
    whether anything changed; a repeat is a no-op and writes no audit row."""
    _check_runner(session, actor)
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.open_to_other_organizations == open_to_other_organizations:
        return False
    locked.open_to_other_organizations = open_to_other_organizations
    locked.save(update_fields=["open_to_other_organizations"])
    session.open_to_other_organizations = open_to_other_organizations
    audit_record(
        actor=actor,
        organization=session.course.organization,
        event=(
            training_events.TRAINING_SESSION_OPENED
            if open_to_other_organizations
            else training_events.TRAINING_SESSION_CLOSED_TO_OTHERS
        ),
        subject=session,
        ip_address=ip_address,
    )
    return True


@transaction.atomic
def session_close(
    *, session: TrainingSession, actor: User | None, ip_address: str | None = None
) -> int:
    """After the last day: everyone still enrolled without completing is incomplete (or
    failed). Refused before the last day is over. Returns how many were closed."""
    _check_runner(session, actor)
    if session.course.organization.today() <= session.ends_on:
        raise ValidationError(NOT_OVER_YET.format(day=session.ends_on))
    closed = 0
    for enrollment in session.enrollments.filter(status=EnrollmentStatus.ENROLLED):
        after = evaluate(enrollment, close=True)
        closed += after.status != EnrollmentStatus.ENROLLED
    audit_record(
        actor=actor,
        organization=session.course.organization,
        event=training_events.TRAINING_CLOSED,
        subject=session,
        ip_address=ip_address,
        data={"closed": closed},
    )
    return closed
