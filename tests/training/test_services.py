"""Training services: completion at the pass mark (79% vs 80%), missing hours, no retakes,
the waiting list, credit once, the certificate PDF and its public check; every status move
the services make, each with its audit row, and a move the map forbids refused."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse

from certification.models import CeuEntry, Requirement
from certification.rules import HOURS_RANGE
from certification.services import profile_for
from programs.models import AuditEvent, Notification, Role
from training import events, rules, services
from training.catalog import seed_courses
from training.models import Course, Enrollment, EnrollmentStatus, TrainingSession

pytestmark = pytest.mark.django_db

D = Decimal
MONDAY = dt.date(2025, 3, 3)


@pytest.fixture
def t(org, member_of, program_in) -> Any:
    """A training organization's PS101 and a CEU course, a trainer, an admin; a peer of the
    organization (with a certification profile) and people from elsewhere."""
    seed_courses(org)
    trainer = member_of(org, Role.TRAINER, mfa=False, first_name="Tess")
    admin = member_of(org, Role.ORG_ADMIN)
    program = program_in(org)
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat")
    ps101 = Course.objects.get(organization=org, code="ps101")
    ceu = Course.objects.get(organization=org, code="complex-relationships")

    def session(course: Course, start: dt.date = MONDAY, days: int = 5, cap: int = 10) -> Any:
        return TrainingSession.objects.create(
            course=course,
            starts_on=start,
            ends_on=start + dt.timedelta(days=days - 1),
            place="Helena",
            trainer=trainer,
            capacity=cap,
        )

    return SimpleNamespace(
        org=org, trainer=trainer, admin=admin, peer=peer, ps101=ps101, ceu=ceu, session=session
    )


def join(s: Any, session: Any, email: str, name: str = "Person") -> Enrollment:
    return services.enroll(
        session=session, actor=s.trainer.user, name=name, email=email, trail="employment"
    )


def attend(s: Any, session: Any, enrollment: Enrollment, per_day: str = "8") -> None:
    day = session.starts_on
    while day <= session.ends_on:
        services.attendance_set(
            session=session, actor=s.trainer.user, day=day, hours={enrollment.pk: D(per_day)}
        )
        day += dt.timedelta(days=1)


# --- enrolment and the waiting list ---------------------------------------------------------


def test_a_full_session_offers_the_waiting_list_which_moves_up_on_withdrawal(t):
    session = t.session(t.ps101, cap=2)
    a, b = join(t, session, "a@x.org"), join(t, session, "b@x.org")
    c, d = join(t, session, "c@x.org"), join(t, session, "d@x.org")
    assert [e.status for e in (a, b, c, d)] == ["enrolled", "enrolled", "waiting", "waiting"]
    moved = services.withdraw(enrollment=a, actor=t.trainer.user)
    assert moved == c
    c.refresh_from_db()
    d.refresh_from_db()
    assert (c.status, d.status) == ("enrolled", "waiting")
    # Someone on the waiting list leaving frees no seat.
    assert services.withdraw(enrollment=d, actor=t.trainer.user) is None


def test_the_person_moved_up_is_told_without_anything_else(t, member_of, other_org):
    session = t.session(t.ps101, cap=1)
    first = join(t, session, "first@x.org")
    outsider = member_of(other_org, Role.PEER_SUPPORTER, email="someone@elsewhere.org")
    join(t, session, "SOMEONE@elsewhere.org")
    services.withdraw(enrollment=first, actor=t.trainer.user)
    note = Notification.objects.get(user=outsider.user)
    assert "A seat opened for you" in note.title


def test_enrolling_twice_is_once_and_a_completed_course_is_not_taken_again(t):
    session = t.session(t.ceu, days=1)
    first = join(t, session, "p@x.org")
    assert join(t, session, "P@X.org") == first
    with time_machine.travel(dt.datetime(2025, 3, 4, 18, tzinfo=dt.UTC)):
        services.attendance_set(
            session=session, actor=t.trainer.user, day=MONDAY, hours={first.pk: D(6)}
        )
    first.refresh_from_db()
    assert first.status == EnrollmentStatus.COMPLETED
    with pytest.raises(ValidationError, match="already completed"):
        join(t, t.session(t.ceu, start=dt.date(2025, 4, 7), days=1), "p@x.org")


# --- the exam and completion -----------------------------------------------------------------


@time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC))
def test_pass_at_eighty_fail_at_seventy_nine_and_no_retake(t):
    session = t.session(t.ps101)
    passed, failed = join(t, session, "pass@x.org"), join(t, session, "fail@x.org")
    for e in (passed, failed):
        attend(t, session, e)
    services.exam_record(enrollment=passed, actor=t.trainer.user, score=D(80))
    services.exam_record(enrollment=failed, actor=t.trainer.user, score=D(79))
    passed.refresh_from_db()
    failed.refresh_from_db()
    assert (passed.status, failed.status) == ("completed", "failed")
    assert passed.certificate_code and not failed.certificate_code
    with pytest.raises(ValidationError, match="no retakes"):
        services.exam_record(enrollment=failed, actor=t.trainer.user, score=D(85))
    failed.refresh_from_db()
    assert (failed.exam_score, failed.status) == (D(79), "failed")


@time_machine.travel(dt.datetime(2025, 3, 11, 18, tzinfo=dt.UTC))
def test_missing_hours_in_a_continuous_course_are_not_made_up_elsewhere(t):
    first = t.session(t.ps101)
    short = join(t, first, "short@x.org")
    attend(t, first, short, per_day="7.75")  # 38.75 of 40
    services.exam_record(enrollment=short, actor=t.trainer.user, score=D(95))
    services.session_close(session=first, actor=t.trainer.user)
    short.refresh_from_db()
    assert short.status == EnrollmentStatus.INCOMPLETE
    later = t.session(t.ps101, start=dt.date(2025, 3, 10))
    again = join(t, later, "short@x.org")
    services.attendance_set(
        session=later, actor=t.trainer.user, day=later.starts_on, hours={again.pk: D("1.25")}
    )
    again.refresh_from_db()
    assert again.status == EnrollmentStatus.ENROLLED  # 1.25 hours here; the old 38.75 do not count
    assert services.attended_hours(again) == D("1.25")


@time_machine.travel(dt.datetime(2025, 3, 20, 18, tzinfo=dt.UTC))
def test_a_course_taken_in_parts_counts_earlier_hours(t):
    parts = t.session(t.ceu, days=1)
    person = join(t, parts, "part@x.org")
    services.attendance_set(
        session=parts, actor=t.trainer.user, day=MONDAY, hours={person.pk: D(4)}
    )
    services.session_close(session=parts, actor=t.trainer.user)
    later = t.session(t.ceu, start=dt.date(2025, 3, 10), days=1)
    rest = join(t, later, "part@x.org")
    services.attendance_set(
        session=later, actor=t.trainer.user, day=later.starts_on, hours={rest.pk: D(2)}
    )
    rest.refresh_from_db()
    assert rest.status == EnrollmentStatus.COMPLETED


@time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC))
def test_ps101_ticks_the_checklist_and_a_ceu_course_credits_once(
    t, django_capture_on_commit_callbacks
):
    profile = profile_for(t.peer)
    session = t.session(t.ps101)
    e = join(t, session, t.peer.user.email)
    attend(t, session, e)
    with django_capture_on_commit_callbacks(execute=True):
        services.exam_record(enrollment=e, actor=t.trainer.user, score=D(88))
    done = {i.requirement: i.completed_on for i in profile.checklist.all()}
    assert done[Requirement.TRAINING_HOURS] == session.ends_on == done[Requirement.EXAM]
    ceu = t.session(t.ceu, days=1)
    c = join(t, ceu, t.peer.user.email)
    services.attendance_set(session=ceu, actor=t.trainer.user, day=MONDAY, hours={c.pk: D(6)})
    services.credit(Enrollment.objects.get(pk=c.pk))  # again: still one entry
    entries = CeuEntry.objects.filter(profile=profile)
    assert [(x.title, x.hours, x.source) for x in entries] == [
        ("Navigating Complex Relationships", D(6), "training")
    ]


def test_only_the_sessions_trainer_or_an_admin_records(t, member_of):
    other_trainer = member_of(t.org, Role.TRAINER, mfa=False)
    session = t.session(t.ps101, start=dt.date(2020, 1, 6))
    e = join(t, session, "x@x.org")
    with pytest.raises(ValidationError, match="Only the session's trainer"):
        services.attendance_set(
            session=session, actor=other_trainer.user, day=session.starts_on, hours={e.pk: D(8)}
        )
    services.attendance_set(
        session=session, actor=t.admin.user, day=session.starts_on, hours={e.pk: D(8)}
    )


def test_bad_attendance_is_refused_clearly(t):
    session = t.session(t.ps101, start=dt.date(2020, 1, 6))
    e = join(t, session, "x@x.org")
    with pytest.raises(ValidationError, match="quarter hours"):
        services.attendance_set(
            session=session, actor=t.trainer.user, day=session.starts_on, hours={e.pk: D("8.1")}
        )
    with pytest.raises(ValidationError, match="not one of the session's days"):
        services.attendance_set(
            session=session, actor=t.trainer.user, day=dt.date(2020, 2, 1), hours={e.pk: D(8)}
        )


def test_a_day_of_training_takes_up_to_24_hours_and_no_quarter_hour_more(t):
    # certification.rules.is_hours_in_a_day, the same rule as hours worked.
    session = t.session(t.ps101, start=dt.date(2020, 1, 6))
    e = join(t, session, "x@x.org")
    services.attendance_set(
        session=session, actor=t.trainer.user, day=session.starts_on, hours={e.pk: D(24)}
    )
    assert e.attendance.get(date=session.starts_on).hours == 24
    with pytest.raises(ValidationError) as err:
        services.attendance_set(
            session=session, actor=t.trainer.user, day=session.starts_on, hours={e.pk: D("24.25")}
        )
    assert err.value.message_dict == {"hours": [HOURS_RANGE]}
    assert e.attendance.get(date=session.starts_on).hours == 24


# --- the certificate ----------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC))
def test_the_certificate_pdf_and_its_public_check(t, tmp_path, django_capture_on_commit_callbacks):
    session = t.session(t.ps101)
    e = join(t, session, "grad@x.org", name="Jordan Graduate")
    attend(t, session, e)
    with django_capture_on_commit_callbacks(execute=True):
        services.exam_record(enrollment=e, actor=t.trainer.user, score=D(91))
    e.refresh_from_db()
    assert e.certificate and e.certificate_code
    code: str = e.certificate_code
    path = tmp_path / "c.pdf"
    path.write_bytes(e.certificate.open("rb").read())
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for expected in ("Certificate of completion", "Jordan Graduate", "Peer Support 101", "40 hours",
                     "March 7, 2025", code):  # fmt: skip
        assert expected in text, expected
    anyone = Browser()
    page = anyone.get(reverse("certificate_verify"), {"code": code.lower()})
    body = page.content.decode()
    assert "Genuine" in body and "Jordan Graduate" in body and "Peer Support 101" in body
    assert "grad@x.org" not in body and "91" not in body  # nothing else
    wrong = anyone.get(reverse("certificate_verify"), {"code": "AAAA-BBBB-CCCC"}).content.decode()
    assert "No certificate has this code" in wrong and "Jordan" not in wrong


def test_the_daily_task_settles_sessions_that_ended(t):
    from training.tasks import training_daily

    session = t.session(t.ps101, start=dt.date(2025, 3, 3))
    with time_machine.travel(dt.datetime(2025, 3, 5, 18, tzinfo=dt.UTC)):
        e = join(t, session, "late@x.org")
        services.attendance_set(
            session=session, actor=t.trainer.user, day=session.starts_on, hours={e.pk: D(8)}
        )
        assert training_daily()["settled"] == 0  # not over yet
    with time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC)):
        assert training_daily()["settled"] == 1
        assert training_daily()["settled"] == 0
    e.refresh_from_db()
    assert e.status == EnrollmentStatus.INCOMPLETE


# --- what the review found -------------------------------------------------------------------


@time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC))
def test_another_organizations_trainer_cannot_credit_our_peer(t, other_org, member_of):
    seed_courses(other_org)
    their_trainer = member_of(other_org, Role.TRAINER, mfa=False)
    their_ps101 = Course.objects.get(organization=other_org, code="ps101")
    session = TrainingSession.objects.create(
        course=their_ps101,
        starts_on=MONDAY,
        ends_on=MONDAY + dt.timedelta(days=4),
        place="Elsewhere",
        trainer=their_trainer,
        capacity=5,
    )
    e = services.enroll(
        session=session,
        actor=their_trainer.user,
        name="Pat",
        email=t.peer.user.email,
        trail="employment",
    )
    day = MONDAY
    while day <= session.ends_on:
        services.attendance_set(
            session=session, actor=their_trainer.user, day=day, hours={e.pk: D(8)}
        )
        day += dt.timedelta(days=1)
    services.exam_record(enrollment=e, actor=their_trainer.user, score=D(90))
    e.refresh_from_db()
    assert e.status == EnrollmentStatus.COMPLETED
    profile = profile_for(t.peer)
    assert not profile.checklist.filter(completed_on__isnull=False).exists()


def test_one_person_takes_one_session_of_a_course_at_a_time(t):
    join(t, t.session(t.ceu, days=1), "p@x.org")
    with pytest.raises(ValidationError, match="already signed up for another session"):
        join(t, t.session(t.ceu, start=dt.date(2025, 4, 7), days=1), "p@x.org")


def test_coming_back_after_withdrawing_keeps_the_record_and_goes_to_the_end(t):
    session = t.session(t.ps101, cap=1)
    first = join(t, session, "first@x.org")
    second = join(t, session, "second@x.org")
    services.withdraw(enrollment=first, actor=t.trainer.user)
    back = join(t, session, "first@x.org")
    assert back.pk == first.pk and back.status == EnrollmentStatus.WAITING
    second.refresh_from_db()
    assert second.status == EnrollmentStatus.ENROLLED


def test_a_new_session_is_bounded(t):
    with time_machine.travel(dt.datetime(2025, 3, 1, 18, tzinfo=dt.UTC)):
        with pytest.raises(ValidationError, match="at most 60 days"):
            services.session_create(
                actor=t.admin.user, course=t.ps101, starts_on=dt.date(2025, 3, 3),
                ends_on=dt.date(2025, 6, 3), place="Helena", trainer=t.trainer,
                capacity=5, fee=D(0),
            )  # fmt: skip
        with pytest.raises(ValidationError, match="today or later"):
            services.session_create(
                actor=t.admin.user, course=t.ps101, starts_on=dt.date(2025, 2, 3),
                ends_on=dt.date(2025, 2, 7), place="Helena", trainer=t.trainer,
                capacity=5, fee=D(0),
            )  # fmt: skip


# --- every status move, with its audit row -----------------------------------------------------


def _events(enrollment: Enrollment) -> list[tuple[str, dict[str, Any]]]:
    rows = AuditEvent.objects.filter(
        subject_type="training.enrollment", subject_id=str(enrollment.pk)
    ).order_by("pk")
    return [(r.event, r.data) for r in rows]


def test_signing_up_withdrawing_moving_up_and_coming_back(t):
    session = t.session(t.ps101, cap=1)
    a = join(t, session, "a@x.org")  # -> enrolled
    b = join(t, session, "b@x.org")  # -> waiting
    services.withdraw(enrollment=a, actor=t.trainer.user)  # enrolled -> withdrawn
    b.refresh_from_db()
    assert b.status == EnrollmentStatus.ENROLLED  # waiting -> enrolled
    back = join(t, session, "a@x.org")
    assert back.status == EnrollmentStatus.WAITING  # withdrawn -> waiting
    services.withdraw(enrollment=back, actor=t.trainer.user)  # waiting -> withdrawn
    services.withdraw(enrollment=b, actor=t.trainer.user)  # enrolled -> withdrawn
    again = join(t, session, "a@x.org")
    assert again.status == EnrollmentStatus.ENROLLED  # withdrawn -> enrolled
    assert _events(a) == [
        (events.TRAINING_ENROLLED, {"status": "enrolled"}),
        (events.TRAINING_WITHDRAWN, {}),
        (events.TRAINING_ENROLLED, {"status": "waiting"}),
        (events.TRAINING_WITHDRAWN, {}),
        (events.TRAINING_ENROLLED, {"status": "enrolled"}),
    ]
    assert _events(b) == [
        (events.TRAINING_ENROLLED, {"status": "waiting"}),
        (events.TRAINING_MOVED_UP, {}),
        (events.TRAINING_WITHDRAWN, {}),
    ]


def test_the_course_rule_settles_each_outcome_with_its_event(t):
    session = t.session(t.ps101)  # Mon Mar 3 to Fri Mar 7, 40 hours, pass mark 80
    p1, p2, p3, p4, p5 = (join(t, session, f"p{i}@x.org") for i in range(1, 6))
    with time_machine.travel(dt.datetime(2025, 3, 7, 18, tzinfo=dt.UTC)):  # the last day
        for e in (p1, p2, p3, p4):
            attend(t, session, e)
        attend(t, session, p5, per_day="7")
        services.exam_record(enrollment=p1, actor=t.trainer.user, score=D(80))
        services.exam_record(enrollment=p2, actor=t.trainer.user, score=D(79))
    with time_machine.travel(dt.datetime(2025, 3, 8, 18, tzinfo=dt.UTC)):
        services.session_close(session=session, actor=t.trainer.user)
        services.exam_record(enrollment=p3, actor=t.trainer.user, score=D(70))
        services.exam_record(enrollment=p4, actor=t.trainer.user, score=D(90))
    statuses = [Enrollment.objects.get(pk=e.pk).status for e in (p1, p2, p3, p4, p5)]
    assert statuses == ["completed", "failed", "failed", "completed", "incomplete"]
    enrolled = (events.TRAINING_ENROLLED, {"status": "enrolled"})
    no_exam = (events.TRAINING_INCOMPLETE, {"reason": "No exam score was recorded."})
    assert _events(p1) == [  # enrolled -> completed
        enrolled,
        (events.TRAINING_EXAM, {"score": "80"}),
        (events.TRAINING_COMPLETED, {}),
    ]
    assert _events(p2) == [  # enrolled -> failed
        enrolled,
        (events.TRAINING_EXAM, {"score": "79"}),
        (events.TRAINING_FAILED, {"reason": "Exam score 79.00% is under the pass mark of 80%."}),
    ]
    assert _events(p3) == [  # enrolled -> incomplete -> failed
        enrolled,
        no_exam,
        (events.TRAINING_EXAM, {"score": "70"}),
        (events.TRAINING_FAILED, {"reason": "Exam score 70.00% is under the pass mark of 80%."}),
    ]
    assert _events(p4) == [  # enrolled -> incomplete -> completed
        enrolled,
        no_exam,
        (events.TRAINING_EXAM, {"score": "90"}),
        (events.TRAINING_COMPLETED, {}),
    ]
    assert _events(p5) == [  # enrolled -> incomplete (hours missing)
        enrolled,
        (events.TRAINING_INCOMPLETE, {"reason": "5.00 of 40.00 hours were missed."}),
    ]


def test_a_move_the_map_forbids_is_refused_and_nothing_changes(t):
    session = t.session(t.ps101)
    done = Enrollment.objects.create(
        session=session,
        name="Cam",
        email="cam@x.org",
        trail="employment",
        status=EnrollmentStatus.COMPLETED,
    )
    with pytest.raises(rules.StatusMoveRefused) as refused:
        services._status_move(done, EnrollmentStatus.ENROLLED)
    assert str(refused.value) == rules.STATUS_MOVE_REFUSED.format(
        current="completed", to="enrolled"
    )
    assert done.status == EnrollmentStatus.COMPLETED
    # The services look first: a completed enrolment is not withdrawn nor signed up again.
    assert services.withdraw(enrollment=done, actor=t.trainer.user) is None
    assert join(t, session, "cam@x.org") == done
    done.refresh_from_db()
    assert done.status == EnrollmentStatus.COMPLETED
    assert _events(done) == []
