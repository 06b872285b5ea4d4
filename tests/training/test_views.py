"""Training pages from the outside: who opens which page (404 for a session one does not
run), joining a session with no membership, the waiting list, the exam once, the
attendance sheet, who may download a certificate, and query counts that do not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import AuditEvent, Role
from tests.factories import TEST_PASSWORD, UserFactory
from training import events, services
from training.catalog import seed_courses
from training.models import Attendance, Course, Enrollment, EnrollmentStatus, TrainingSession

pytestmark = pytest.mark.django_db

D = Decimal
MONDAY = dt.date(2025, 3, 3)
WEDNESDAY_NOON = dt.datetime(2025, 3, 5, 18, 0, tzinfo=dt.UTC)  # midday in the Rockies
A_WEEK_BEFORE = dt.datetime(2025, 2, 24, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def t(org, other_org, member_of, program_in) -> Any:
    seed_courses(org)
    program = program_in(org)
    trainer = member_of(org, Role.TRAINER, mfa=False, first_name="Tess")
    other_trainer = member_of(org, Role.TRAINER, mfa=False)
    admin = member_of(org, Role.ORG_ADMIN)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], email="pat@example.org")
    elsewhere = member_of(other_org, Role.ORG_ADMIN)
    ps101 = Course.objects.get(organization=org, code="ps101")
    session = TrainingSession.objects.create(
        course=ps101,
        starts_on=MONDAY,
        ends_on=MONDAY + dt.timedelta(days=4),
        place="Helena",
        trainer=trainer,
        capacity=3,
    )
    return SimpleNamespace(
        org=org,
        trainer=trainer,
        other_trainer=other_trainer,
        admin=admin,
        manager=manager,
        peer=peer,
        elsewhere=elsewhere,
        ps101=ps101,
        session=session,
    )


def join(t: Any, email: str, name: str = "Person") -> Enrollment:
    return services.enroll(
        session=t.session, actor=t.trainer.user, name=name, email=email, trail="employment"
    )


def sign_in(user: Any) -> Client:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


# --- who opens what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["session_detail", "session_attendance"])
def test_a_session_page_is_for_its_trainer_and_admins_only(t, client_for, name):
    url = reverse(name, args=[t.session.pk])
    with time_machine.travel(WEDNESDAY_NOON):
        assert client_for(t.trainer).get(url).status_code == 200
        assert client_for(t.admin).get(url).status_code == 200
        for who in ("other_trainer", "manager", "peer", "elsewhere"):
            assert client_for(getattr(t, who)).get(url).status_code == 404, who


def test_the_session_list_puts_the_trainers_own_first_and_is_closed_to_others(t, client_for):
    TrainingSession.objects.create(
        course=t.ps101,
        starts_on=MONDAY + dt.timedelta(days=60),
        ends_on=MONDAY + dt.timedelta(days=64),
        place="Virtual",
        trainer=t.other_trainer,
        capacity=10,
    )
    join(t, "a@example.org")
    response = client_for(t.trainer).get(reverse("session_list"))
    sessions = list(response.context["sessions"])
    assert [s.trainer_id for s in sessions] == [t.trainer.pk, t.other_trainer.pk]
    assert (sessions[0].taken, sessions[0].waiting) == (1, 0)
    assert b"You teach" in response.content
    for who in ("manager", "peer"):
        assert client_for(getattr(t, who)).get(reverse("session_list")).status_code == 403


def test_only_an_admin_adds_the_standard_courses_or_a_session(t, client_for):
    Course.objects.filter(code="employer").delete()
    trainer = client_for(t.trainer)
    assert trainer.get(reverse("course_list")).status_code == 200
    assert trainer.post(reverse("course_list")).status_code == 403
    assert trainer.get(reverse("session_create")).status_code == 403
    admin = client_for(t.admin)
    page = admin.get(reverse("course_list"))
    assert b"Add the standard courses" in page.content
    admin.post(reverse("course_list"))
    assert Course.objects.filter(organization=t.org, code="employer").exists()


@time_machine.travel(dt.datetime(2025, 4, 1, 18, tzinfo=dt.UTC))
def test_an_admin_adds_a_session_with_a_trainer_and_virtual_place(t, client_for):
    admin = client_for(t.admin)
    form = admin.get(reverse("session_create")).context["form"]
    assert set(form.fields["trainer"].queryset) == {t.trainer, t.other_trainer, t.admin}
    data = {
        "course": t.ps101.pk,
        "starts_on": "2025-04-07",
        "ends_on": "2025-04-03",
        "virtual": "on",
        "trainer": t.other_trainer.pk,
        "capacity": "12",
        "fee": "150",
    }
    refused = admin.post(reverse("session_create"), data)
    assert "The last day cannot come before the first." in refused.context["form"].errors["ends_on"]
    response = admin.post(reverse("session_create"), {**data, "ends_on": "2025-04-11"})
    made = TrainingSession.objects.get(starts_on=dt.date(2025, 4, 7))
    assert response["Location"] == reverse("session_detail", args=[made.pk])
    assert (made.place, made.trainer, made.capacity) == ("Virtual", t.other_trainer, 12)
    assert made.open_to_other_organizations is False  # closed unless ticked
    admin.post(
        reverse("session_create"),
        {
            **data,
            "starts_on": "2025-04-14",
            "ends_on": "2025-04-14",
            "open_to_other_organizations": "on",
        },
    )
    assert TrainingSession.objects.get(starts_on=dt.date(2025, 4, 14)).open_to_other_organizations


def test_staff_training_shows_a_managers_staff_with_their_training(t, client_for, member_of):
    join(t, "PAT@example.org", name="Pat")
    stranger = member_of(t.org, Role.PEER_SUPPORTER)  # in no program of the manager
    response = client_for(t.manager).get(reverse("staff_training"))
    staff = dict(response.context["staff"])
    assert t.peer in staff and stranger not in staff
    assert [e.session for e in staff[t.peer]] == [t.session]
    assert b"Peer Support 101" in response.content
    assert stranger in dict(client_for(t.admin).get(reverse("staff_training")).context["staff"])
    assert client_for(t.peer).get(reverse("staff_training")).status_code == 403
    assert client_for(t.trainer).get(reverse("staff_training")).status_code == 403


# --- joining as anyone --------------------------------------------------------------------


def test_a_person_with_no_membership_joins_and_a_full_session_offers_the_waiting_list(t):
    services.session_open_to_others(
        session=t.session, actor=t.trainer.user, open_to_other_organizations=True
    )
    join(t, "one@example.org")
    join(t, "two@example.org")
    outsider = UserFactory.create(email="Sam.Outside@example.org", first_name="Sam")
    late = UserFactory.create(email="late@example.org", first_name="Lee")
    with time_machine.travel(A_WEEK_BEFORE):
        client = sign_in(outsider)
        mine = client.get(reverse("training_mine"))
        assert mine.status_code == 200
        assert [s.pk for s in mine.context["sessions"]] == [t.session.pk]
        assert b"1 seat left" in mine.content

        refused = client.post(reverse("session_join", args=[t.session.pk]), {})
        assert "This field is required." in refused.content.decode()
        response = client.post(
            reverse("session_join", args=[t.session.pk]), {"trail": "self_pay"}, follow=True
        )
        joined = Enrollment.objects.get(email="sam.outside@example.org")
        assert (joined.user, joined.status) == (outsider, EnrollmentStatus.ENROLLED)
        assert b"is enrolled in Peer Support 101" in response.content
        assert list(response.context["sessions"]) == []  # joined already

        other = sign_in(late)
        full = other.get(reverse("training_mine"))
        assert b"Join the waiting list" in full.content
        response = other.post(
            reverse("session_join", args=[t.session.pk]), {"trail": "volunteer"}, follow=True
        )
        assert Enrollment.objects.get(email="late@example.org").status == EnrollmentStatus.WAITING
        text = response.content.decode()
        assert "is full" in text and "waiting list" in text
        assert "On the waiting list" in text


# --- a session is the organization's own unless it opens it -------------------------------


def test_a_closed_session_is_invisible_and_a_404_outside_its_organization(t, client_for):
    """The default: another organization's people, and people in none, never see the
    course title, and joining it by its URL is a 404; its own people see and join it."""
    assert t.session.open_to_other_organizations is False
    outsider = UserFactory.create(email="sam@example.org")
    with time_machine.travel(A_WEEK_BEFORE):
        for who, client in (("elsewhere", client_for(t.elsewhere)), ("none", sign_in(outsider))):
            mine = client.get(reverse("training_mine"))
            assert list(mine.context["sessions"]) == [], who
            assert b"Peer Support 101" not in mine.content, who
            join_url = reverse("session_join", args=[t.session.pk])
            assert client.post(join_url, {"trail": "self_pay"}).status_code == 404, who
        assert not Enrollment.objects.exists()

        peer = client_for(t.peer)
        assert [s.pk for s in peer.get(reverse("training_mine")).context["sessions"]] == [
            t.session.pk
        ]
        peer.post(reverse("session_join", args=[t.session.pk]), {"trail": "employment"})
        assert Enrollment.objects.get().email == "pat@example.org"


def test_a_session_opened_to_other_organizations_is_seen_and_joined_from_elsewhere(t, client_for):
    trainer = client_for(t.trainer)
    url = reverse("session_open_to_others", args=[t.session.pk])
    with time_machine.travel(A_WEEK_BEFORE):
        page = trainer.get(reverse("session_detail", args=[t.session.pk])).content.decode()
        assert 'data-open="no"' in page
        trainer.post(url, {"open_to_other_organizations": "on"})
        trainer.post(url, {"open_to_other_organizations": "on"})  # a repeat changes nothing
        t.session.refresh_from_db()
        assert t.session.open_to_other_organizations is True
        assert AuditEvent.objects.filter(event=events.TRAINING_SESSION_OPENED).count() == 1
        listing = trainer.get(reverse("session_list")).content.decode()
        assert "Open to other organizations" in listing

        elsewhere = client_for(t.elsewhere)
        assert b"Peer Support 101" in elsewhere.get(reverse("training_mine")).content
        elsewhere.post(reverse("session_join", args=[t.session.pk]), {"trail": "transfer"})
        joined = Enrollment.objects.get()
        assert joined.email == t.elsewhere.user.email

        # Closed again: hidden from elsewhere, who joined keeps their place.
        trainer.post(url, {})
        t.session.refresh_from_db()
        assert t.session.open_to_other_organizations is False
        assert AuditEvent.objects.filter(event=events.TRAINING_SESSION_CLOSED_TO_OTHERS).exists()
        other = client_for(member_of_other_org(t))
        assert list(other.get(reverse("training_mine")).context["sessions"]) == []
        joined.refresh_from_db()
        assert joined.status == EnrollmentStatus.ENROLLED


def member_of_other_org(t: Any) -> Any:
    from programs.models import Membership

    user = UserFactory.create()
    return Membership.objects.create(
        user=user, organization=t.elsewhere.organization, role=Role.PEER_SUPPORTER
    )


def test_only_who_runs_the_session_opens_it(t, client_for):
    url = reverse("session_open_to_others", args=[t.session.pk])
    for who in ("other_trainer", "manager", "peer", "elsewhere"):
        response = client_for(getattr(t, who)).post(url, {"open_to_other_organizations": "on"})
        assert response.status_code in (403, 404), who
    t.session.refresh_from_db()
    assert t.session.open_to_other_organizations is False
    client_for(t.admin).post(url, {"open_to_other_organizations": "on"})
    t.session.refresh_from_db()
    assert t.session.open_to_other_organizations is True


def test_a_managers_staff_page_shows_no_closed_session_of_another_organization(
    t, client_for, other_org
):
    theirs = TrainingSession.objects.create(
        course=Course.objects.create(
            organization=other_org, code="secret", title="Their Own Course", required_hours=D(4)
        ),
        starts_on=MONDAY,
        ends_on=MONDAY,
        place="Billings",
        trainer=t.elsewhere,
        capacity=5,
    )
    services.enroll(
        session=theirs, actor=None, name="Pat", email="pat@example.org", trail="employment"
    )
    manager = client_for(t.manager)
    page = manager.get(reverse("staff_training"))
    assert dict(page.context["staff"])[t.peer] == []
    assert b"Their Own Course" not in page.content
    TrainingSession.objects.filter(pk=theirs.pk).update(open_to_other_organizations=True)
    page = manager.get(reverse("staff_training"))
    assert [e.session for e in dict(page.context["staff"])[t.peer]] == [theirs]


def test_a_past_session_cannot_be_joined(t):
    client = sign_in(UserFactory.create())
    with time_machine.travel(WEDNESDAY_NOON):
        url = reverse("session_join", args=[t.session.pk])
        assert client.post(url, {"trail": "self_pay"}).status_code == 404


def test_a_person_withdraws_only_their_own_and_a_trainer_anyone_in_their_session(t, client_for):
    pats = join(t, "pat@example.org", name="Pat")  # the peer's e-mail
    someone = join(t, "someone@example.org")
    with time_machine.travel(A_WEEK_BEFORE):
        peer = client_for(t.peer)
        assert b"Withdraw" in peer.get(reverse("training_mine")).content
        assert peer.post(reverse("enrollment_withdraw", args=[someone.pk])).status_code == 404
        assert (
            client_for(t.other_trainer)
            .post(reverse("enrollment_withdraw", args=[someone.pk]))
            .status_code
            == 404
        )
        response = peer.post(reverse("enrollment_withdraw", args=[pats.pk]))
        assert response["Location"] == reverse("training_mine")
        response = client_for(t.trainer).post(reverse("enrollment_withdraw", args=[someone.pk]))
        assert response["Location"] == reverse("session_detail", args=[t.session.pk])
    statuses = set(Enrollment.objects.values_list("status", flat=True))
    assert statuses == {EnrollmentStatus.WITHDRAWN}


def test_the_trainer_enrols_a_person_from_the_session_page(t, client_for):
    trainer = client_for(t.trainer)
    url = reverse("session_detail", args=[t.session.pk])
    refused = trainer.post(url, {"name": "Ann", "email": "not-an-email", "trail": "employment"})
    assert "Enter a valid email address." in refused.context["enroll_form"].errors["email"]
    trainer.post(url, {"name": "Ann", "email": "ann@example.org", "trail": "employment"})
    assert Enrollment.objects.get(email="ann@example.org").status == EnrollmentStatus.ENROLLED


# --- the exam, attendance, closing ------------------------------------------------------------


def test_an_exam_score_is_recorded_once_and_errors_show_on_the_row(t, client_for):
    ann = join(t, "ann@example.org", name="Ann")
    trainer = client_for(t.trainer)
    url = reverse("enrollment_exam", args=[ann.pk])
    with time_machine.travel(WEDNESDAY_NOON):
        bad = trainer.post(url, {"score": "150"})
        assert bad.status_code == 200
        assert services.SCORE_RANGE in bad.content.decode()
        assert f'id="exam{ann.pk}_score"' in bad.content.decode()
        trainer.post(url, {"score": "72"})
        again = trainer.post(url, {"score": "85"})
    ann.refresh_from_db()
    assert ann.exam_score == D(72)
    page = again.content.decode()
    assert services.NO_RETAKE.format(name="Ann") in page
    assert 'data-error="exam"' in page
    assert client_for(t.other_trainer).post(url, {"score": "90"}).status_code == 404
    assert client_for(t.elsewhere).post(url, {"score": "90"}).status_code == 404


def test_the_attendance_sheet_saves_a_day_and_shows_errors_by_the_row(t, client_for):
    ann, bo, cy = (join(t, f"{n}@example.org", name=n.title()) for n in ("ann", "bo", "cy"))
    trainer = client_for(t.trainer)
    url = reverse("session_attendance", args=[t.session.pk])
    with time_machine.travel(WEDNESDAY_NOON):
        sheet = trainer.get(url)
        assert sheet.context["day"] == dt.date(2025, 3, 5)  # today, within the session
        assert [r.enrollment for r in sheet.context["form"].rows] == [ann, bo, cy]
        refused = trainer.post(
            url, {f"hours-{ann.pk}": "8", f"hours-{bo.pk}": "7.3", f"hours-{cy.pk}": "x"}
        )
        form = refused.context["form"]
        assert form.errors[f"hours-{bo.pk}"] == [services.HOURS_RANGE]
        assert form.errors[f"hours-{cy.pk}"] == ["Enter a number."]
        assert f"hours-{ann.pk}" not in form.errors
        assert not Attendance.objects.exists()

        response = trainer.post(
            url, {f"hours-{ann.pk}": "8", f"hours-{bo.pk}": "7.25", f"hours-{cy.pk}": ""}
        )
        assert response["Location"].endswith("?day=2025-03-05")
        again = trainer.get(response["Location"])
        assert again.context["form"][f"hours-{bo.pk}"].value() == "7.25"
        first = trainer.get(url + "?day=2025-03-03")
        assert first.context["previous"] is None
        assert first.context["next"] == dt.date(2025, 3, 4)
        future = trainer.get(url + "?day=2025-03-07")
        assert future.context["future"] and b"Save attendance" not in future.content
    saved = dict(Attendance.objects.values_list("enrollment__name", "hours"))
    assert saved == {"Ann": D(8), "Bo": D("7.25")}


def test_a_session_closes_only_after_its_last_day(t, client_for):
    ann = join(t, "ann@example.org", name="Ann")
    url = reverse("session_close", args=[t.session.pk])
    with time_machine.travel(WEDNESDAY_NOON):
        client_for(t.trainer).post(url)
        ann.refresh_from_db()
        assert ann.status == EnrollmentStatus.ENROLLED
    with time_machine.travel(WEDNESDAY_NOON + dt.timedelta(days=7)):
        client_for(t.trainer).post(url)
    ann.refresh_from_db()
    assert ann.status == EnrollmentStatus.INCOMPLETE


# --- certificates -------------------------------------------------------------------------


def _completed(t: Any, email: str) -> Enrollment:
    e = Enrollment.objects.create(
        session=t.session,
        name="Cam",
        email=email,
        trail="employment",
        status=EnrollmentStatus.COMPLETED,
        completed_on=MONDAY,
        certificate_code="ABCD-EFGH-JKLM",
    )
    e.certificate.save("certificate.pdf", ContentFile(b"%PDF-1.4 certificate"))
    return e


def test_a_certificate_downloads_for_its_owner_the_trainer_and_admins_only(t, client_for):
    owner = UserFactory.create(email="cam@example.org")
    done = _completed(t, "cam@example.org")
    url = reverse("enrollment_certificate", args=[done.pk])
    response = sign_in(owner).get(url)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF")
    assert b"Download certificate" in sign_in(owner).get(reverse("training_mine")).content
    for who in ("trainer", "admin"):
        assert client_for(getattr(t, who)).get(url).status_code == 200, who
    for who in ("other_trainer", "manager", "peer", "elsewhere"):
        assert client_for(getattr(t, who)).get(url).status_code == 404, who


def test_a_certificate_not_yet_rendered_is_not_found(t, client_for):
    ann = join(t, "ann@example.org")
    url = reverse("enrollment_certificate", args=[ann.pk])
    assert client_for(t.admin).get(url).status_code == 404


# --- query counts -------------------------------------------------------------------------


def _add_people(t: Any, member_of: Any, n: int) -> None:
    """n more of everything a page lists: participants with hours, staff with training,
    courses with upcoming sessions (half of them joined by the peer)."""
    program = t.manager.programs.get()
    start = Attendance.objects.count()
    for i in range(start, start + n):
        staff = member_of(t.org, Role.PEER_SUPPORTER, mfa=False, programs=[program])
        e = join(t, staff.user.email, name=f"Person {i}")
        services.attendance_set(
            session=t.session, actor=t.trainer.user, day=MONDAY, hours={e.pk: D(8)}
        )
        course = Course.objects.create(
            organization=t.org, code=f"c{i}", title=f"Course {i}", required_hours=D(4)
        )
        upcoming = TrainingSession.objects.create(
            course=course,
            starts_on=dt.date(2025, 4, 1) + dt.timedelta(days=i),
            ends_on=dt.date(2025, 4, 1) + dt.timedelta(days=i),
            place="Virtual",
            trainer=t.trainer,
            capacity=5,
        )
        services.enroll(
            session=upcoming,
            actor=None,
            name="Pat",
            email=(t.peer if i % 2 else staff).user.email,
            trail="employment",
        )


@pytest.mark.parametrize(
    ("page", "who"),
    [
        ("session_list", "trainer"),
        ("session_detail", "trainer"),
        ("session_attendance", "trainer"),
        ("course_list", "admin"),
        ("staff_training", "manager"),
        ("training_mine", "peer"),
    ],
)
def test_a_page_reads_as_many_queries_for_30_people_as_for_3(t, member_of, client_for, page, who):
    TrainingSession.objects.filter(pk=t.session.pk).update(capacity=100)
    args = [t.session.pk] if page.startswith("session_") and page != "session_list" else []
    url = reverse(page, args=args)
    with time_machine.travel(WEDNESDAY_NOON):
        client = client_for(getattr(t, who))
        counts = []
        for n in (3, 27):
            _add_people(t, member_of, n)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], f"{page}: {counts}"
