"""Demo training: the standard courses; a past Peer Support 101 with passes and a fail; an
upcoming one with a waiting list, open to people of other organizations (the others are
closed, as sessions are by default); a CEU course the demo peers completed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from programs.demo import DemoContext
from training import services
from training.catalog import seed_courses
from training.models import Course, TrainingSession

TRAINER = "trainer@demo.peerpath.test"
# name, e-mail, exam score (78: one short of passing, and no retake)
PS101_CLASS = [
    ("Robin Tallbull", "robin.applicant@example.org", Decimal(92)),
    ("Kai Sorensen", "kai.applicant@example.org", Decimal(85)),
    ("Lee Marchetti", "lee.applicant@example.org", Decimal(80)),
    ("Drew Hollis", "drew.applicant@example.org", Decimal(78)),
]
UPCOMING = [
    ("Quinn Adair", "quinn.applicant@example.org"),
    ("Emerson Pike", "emerson.applicant@example.org"),
    ("Harper Wolfe", "harper.applicant@example.org"),
    ("Rowan Castillo", "rowan.applicant@example.org"),
    ("Sage Whitman", "sage.applicant@example.org"),
    ("Logan Brightwater", "logan.applicant@example.org"),
]
CEU_PEERS = ["peer@demo.peerpath.test", "peer2@demo.peerpath.test", "peer4@demo.peerpath.test"]


def _session(
    course: Course, ctx: DemoContext, start: dt.date, days: int, cap: int
) -> TrainingSession:
    session, _ = TrainingSession.objects.get_or_create(
        course=course,
        starts_on=start,
        defaults={
            "ends_on": start + dt.timedelta(days=days - 1),
            "place": "Helena, Montana" if days > 1 else "Virtual",
            "trainer": ctx.staff[TRAINER],
            "capacity": cap,
            "fee": Decimal(250) if course.code == "ps101" else Decimal(0),
        },
    )
    return session


def seed(ctx: DemoContext) -> None:
    org = ctx.organization
    seed_courses(org)
    today = org.today()
    trainer = ctx.staff[TRAINER].user
    ps101 = Course.objects.get(organization=org, code="ps101")
    ceu = Course.objects.get(organization=org, code="complex-relationships")
    monday = today - dt.timedelta(days=today.weekday())

    past = _session(ps101, ctx, monday - dt.timedelta(weeks=8), days=5, cap=12)
    if not past.enrollments.exists():
        people = [
            services.enroll(session=past, actor=trainer, name=n, email=e, trail="employment")
            for n, e, _ in PS101_CLASS
        ]
        day = past.starts_on
        while day <= past.ends_on:
            services.attendance_set(
                session=past, actor=trainer, day=day, hours={p.pk: Decimal(8) for p in people}
            )
            day += dt.timedelta(days=1)
        for person, (_, _, score) in zip(people, PS101_CLASS, strict=True):
            services.exam_record(enrollment=person, actor=trainer, score=score)

    upcoming = _session(ps101, ctx, monday + dt.timedelta(weeks=3), days=5, cap=4)
    if not upcoming.open_to_other_organizations:
        services.session_open_to_others(
            session=upcoming, actor=trainer, open_to_other_organizations=True
        )
    if not upcoming.enrollments.exists():
        for name, email in UPCOMING:
            services.enroll(
                session=upcoming, actor=trainer, name=name, email=email, trail="self_pay"
            )

    workshop = _session(ceu, ctx, monday - dt.timedelta(weeks=4), days=1, cap=20)
    if not workshop.enrollments.exists():
        peers = [ctx.staff[e] for e in CEU_PEERS]
        people = [
            services.enroll(
                session=workshop,
                actor=trainer,
                name=p.user.get_full_name(),
                email=p.user.email,
                trail="employment",
            )
            for p in peers
        ]
        services.attendance_set(
            session=workshop,
            actor=trainer,
            day=workshop.starts_on,
            hours={p.pk: ceu.required_hours for p in people},
        )
