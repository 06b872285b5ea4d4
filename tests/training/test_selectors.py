"""Training's reads: who sees which courses, sessions and enrolments inside an organization,
a person's own enrolments (by account, or by e-mail when linked to none), the sessions open
to join, the timetable, and the staff page in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from programs.models import Role
from tests.factories import UserFactory
from training import selectors, services
from training.models import Course, Enrollment, EnrollmentStatus, TrainingSession

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 3, 3)
A_WEEK_BEFORE = dt.datetime(2025, 2, 24, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def t(org, other_org, member_of, program_in) -> Any:
    program = program_in(org)
    trainer = member_of(org, Role.TRAINER, mfa=False)
    other_trainer = member_of(org, Role.TRAINER, mfa=False)
    course = Course.objects.create(
        organization=org, code="ps101", title="Peer Support 101", required_hours=Decimal(40)
    )

    def session(trainer: Any = trainer, start: dt.date = MONDAY, of: Course = course) -> Any:
        return TrainingSession.objects.create(
            course=of,
            starts_on=start,
            ends_on=start + dt.timedelta(days=4),
            place="Helena",
            trainer=trainer,
            capacity=2,
        )

    return SimpleNamespace(
        org=org,
        course=course,
        session=session,
        trainer=trainer,
        other_trainer=other_trainer,
        admin=member_of(org, Role.ORG_ADMIN, mfa=False),
        manager=member_of(org, Role.PROGRAM_MANAGER, mfa=False, programs=[program]),
        peer=member_of(org, Role.PEER_SUPPORTER, mfa=False, programs=[program]),
        elsewhere=member_of(other_org, Role.ORG_ADMIN, mfa=False),
    )


def join(session: Any, email: str) -> Enrollment:
    return services.enroll(session=session, actor=None, name="P", email=email, trail="employment")


def test_inside_the_organization_a_session_and_its_roster_are_for_who_runs_it(t):
    theirs = t.session()
    others = t.session(trainer=t.other_trainer)
    mine_e, others_e = join(theirs, "a@x.org"), join(others, "b@x.org")
    seen = {
        "trainer": ({t.course}, {theirs}, {mine_e}),
        "admin": ({t.course}, {theirs, others}, {mine_e, others_e}),
        "manager": (set(), set(), set()),
        "peer": (set(), set(), set()),
        "elsewhere": (set(), set(), set()),
    }
    for who, (courses, sessions, enrollments) in seen.items():
        m = getattr(t, who)
        assert set(Course.objects.for_member(m)) == courses, who
        assert set(TrainingSession.objects.for_member(m)) == sessions, who
        assert set(Enrollment.objects.for_member(m)) == enrollments, who
        assert set(selectors.sessions_run_by(m)) == sessions, who
        assert set(selectors.enrollments_run_by(m)) == enrollments, who
        for s in (theirs, others):
            assert selectors.runs(m, s) == (s in sessions), who


def test_an_inactive_member_runs_nothing(t):
    session = t.session()
    t.trainer.is_active = False
    t.trainer.save()
    assert not selectors.runs(t.trainer, session)
    assert not selectors.sessions_run_by(t.trainer).exists()
    assert not selectors.runs(None, session)


def test_the_timetable_lists_other_trainers_sessions_own_first(t):
    later_mine = t.session(start=MONDAY + dt.timedelta(days=30))
    theirs = t.session(trainer=t.other_trainer, start=MONDAY + dt.timedelta(days=60))
    earlier_mine = t.session()
    join(earlier_mine, "a@x.org")
    listed: list[Any] = list(selectors.sessions_for_listing(t.trainer))  # annotated counts
    assert listed == [later_mine, earlier_mine, theirs]
    assert [(s.taken, s.waiting) for s in listed] == [(0, 0), (1, 0), (0, 0)]
    assert not selectors.sessions_for_listing(t.manager).exists()
    assert not selectors.sessions_for_listing(t.elsewhere).exists()


def test_own_enrolments_are_the_accounts_or_an_unlinked_one_with_the_email(t):
    me = UserFactory.create(email="me@x.org")
    someone = UserFactory.create(email="someone@x.org")
    session = t.session()
    linked = Enrollment.objects.create(
        session=session, user=me, name="Me", email="old@x.org", trail="employment"
    )
    by_email = Enrollment.objects.create(
        session=t.session(start=MONDAY + dt.timedelta(days=7)),
        name="Me",
        email="ME@x.org",
        trail="employment",
    )
    # Another account's enrolment made with my address is theirs, not mine.
    theirs = Enrollment.objects.create(
        session=t.session(start=MONDAY + dt.timedelta(days=14)),
        user=someone,
        name="Them",
        email="me@x.org",
        trail="employment",
    )
    assert set(selectors.own_enrollments(me)) == {linked, by_email}
    assert [selectors.is_own(e, me) for e in (linked, by_email, theirs)] == [True, True, False]


def test_sessions_to_join_are_upcoming_active_and_not_joined_yet(t, other_org):
    me = UserFactory.create(email="me@x.org")
    open_ = t.session()
    joined = t.session(start=MONDAY + dt.timedelta(days=7))
    withdrew = t.session(start=MONDAY + dt.timedelta(days=14))
    retired = Course.objects.create(
        organization=t.org, code="old", title="Old", required_hours=Decimal(4), is_active=False
    )
    t.session(of=retired)
    elsewhere, closed_elsewhere = (
        TrainingSession.objects.create(
            course=Course.objects.create(
                organization=other_org, code=code, title="X", required_hours=Decimal(4)
            ),
            starts_on=MONDAY,
            ends_on=MONDAY,
            place="Virtual",
            trainer=t.elsewhere,
            capacity=1,
            open_to_other_organizations=code == "open",
        )
        for code in ("open", "closed")
    )
    services.withdraw(enrollment=join(withdrew, "me@x.org"), actor=None)
    join(joined, "me@x.org")
    join(open_, "a@x.org")
    join(open_, "b@x.org")  # full now: it offers its waiting list
    with time_machine.travel(A_WEEK_BEFORE):
        sessions = selectors.sessions_to_join(me)
        # me has no membership: their own organization's are the ones open to others only
        assert closed_elsewhere not in sessions
        assert sessions == [elsewhere]
        TrainingSession.objects.filter(course__organization=t.org).update(
            open_to_other_organizations=True
        )
        sessions = selectors.sessions_to_join(me)
        assert sessions == [open_, elsewhere, withdrew]
        assert [s.seats_left for s in sessions] == [0, 1, 2]  # type: ignore[attr-defined]
    with time_machine.travel(dt.datetime(2025, 3, 3, 18, tzinfo=dt.UTC)):
        assert open_ not in selectors.joinable_sessions(me)  # started today


def test_the_staff_page_reads_in_two_queries_whatever_its_size(
    t, member_of, program_in, django_assert_num_queries
):
    session = t.session()
    join(session, t.peer.user.email.upper())
    for _ in range(5):
        peer = member_of(t.org, Role.PEER_SUPPORTER, mfa=False, programs=t.manager.programs.all())
        join(t.session(start=MONDAY + dt.timedelta(days=7)), peer.user.email)
    with django_assert_num_queries(2):
        staff = dict(selectors.staff_training(t.manager))
    assert [e.session for e in staff[t.peer]] == [session]
    assert len(staff) == 7  # the manager and six peers of the program


def test_a_roster_counts_each_status(t):
    session = t.session()
    a, _b = join(session, "a@x.org"), join(session, "b@x.org")
    join(session, "c@x.org")  # waiting
    services.withdraw(enrollment=a, actor=None)  # c moves up
    counts = selectors.status_counts(selectors.session_roster(session))
    assert counts == {
        EnrollmentStatus.ENROLLED: 2,
        EnrollmentStatus.WAITING: 0,
        EnrollmentStatus.WITHDRAWN: 1,
        EnrollmentStatus.COMPLETED: 0,
        EnrollmentStatus.FAILED: 0,
        EnrollmentStatus.INCOMPLETE: 0,
    }
    assert [e.name for e in selectors.attendance_sheet(session)] == ["P", "P"]
