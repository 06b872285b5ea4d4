"""Demo certification records: every kind of standing a manager meets, dated from today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from certification.models import (
    Certification,
    CertificationStatus,
    SeparationReason,
    Topic,
    Trail,
)
from certification.services import (
    certification_record,
    certification_renew,
    ceu_add,
    checklist_mark,
    profile_for,
    reminders_send_for,
)
from programs.demo import DemoContext
from programs.models import Membership, Role
from programs.services import membership_ensure

COURSES = [
    ("Ethics and boundaries in peer work", "Montana Peer Network", Topic.BOUNDARIES_ETHICS),
    ("Suicide prevention: QPR", "County Health Department", Topic.SUICIDE_AWARENESS),
    ("Trauma-informed care refresher", "Montana Peer Network", Topic.TRAUMA_INFORMED_CARE),
    ("Motivational interviewing basics", "Big Sky Training Co.", Topic.STAGES_OF_CHANGE),
    ("Cultural humility in rural care", "Tribal Health Partners", Topic.CULTURAL_AWARENESS),
    ("Compassion fatigue and self-care", "Montana Peer Network", Topic.SELF_CARE),
    ("Group facilitation skills", "Recovery Coalition", Topic.GROUP_FACILITATION),
]


def _hours(ctx: DemoContext, email: str, year: int, total: int, today: dt.date) -> None:
    """Spread `total` hours over courses in `year`, never after today."""
    profile = profile_for(ctx.staff[email])
    chunks = [4, 3, 6, 2, 5, 4, 8, 3, 2, 6]
    left, i = total, 0
    while left > 0:
        hours = min(left, chunks[i % len(chunks)])
        month = 1 + (i * 2) % 11
        day = dt.date(year, month, 8 + i)
        if day > today:
            day = today - dt.timedelta(days=i + 1)
        title, provider, topic = COURSES[i % len(COURSES)]
        ceu_add(
            profile=profile,
            actor=ctx.staff[email].user,
            date=day,
            hours=Decimal(hours),
            title=title,
            provider=provider,
            topic=topic,
            source_key=f"demo:{email}:{year}:{i}",
        )
        left -= hours
        i += 1


def seed(ctx: DemoContext) -> None:
    today = ctx.organization.today()
    y = today.year

    def certify(
        email: str,
        number: str,
        issued: dt.date,
        expires: dt.date | None = None,
        hired: dt.date | None = None,
        title: str = "Recovery Coach",
    ) -> None:
        profile = profile_for(ctx.staff[email])
        if not profile.job_title:
            profile.job_title = title
            profile.hire_date = hired or issued
            profile.hours_per_week = Decimal(32)
            profile.recovery_since = issued - dt.timedelta(days=365 * 4)
            profile.save()
        certification_record(
            profile=profile, actor=None, number=number, issued_on=issued, expires_on=expires
        )

    # Complete, with a little carried in from last year.
    certify("peer@demo.peerpath.test", "BHPSS-2318", dt.date(y - 3, 4, 10))
    _hours(ctx, "peer@demo.peerpath.test", y - 1, 24, today)
    _hours(ctx, "peer@demo.peerpath.test", y, 18, today)
    # Behind: the classic December scramble in the making.
    certify(
        "peer2@demo.peerpath.test",
        "BHPSS-2744",
        dt.date(y - 2, 9, 1),
        expires=dt.date(y - 1, 8, 31),
        title="Peer Mentor",
    )
    # Renewed a month late: September stays a lapse in the history (and does not bill).
    certification_renew(
        certification=Certification.objects.get(
            profile__membership=ctx.staff["peer2@demo.peerpath.test"], number="BHPSS-2744"
        ),
        actor=None,
        effective_on=dt.date(y - 1, 10, 1),
        expires_on=dt.date(y + 1, 8, 31),
    )
    _hours(ctx, "peer2@demo.peerpath.test", y - 1, 20, today)
    _hours(ctx, "peer2@demo.peerpath.test", y, 5, today)
    # Carry-over: a big year last year covers most of this one.
    certify("peer3@demo.peerpath.test", "BHPSS-2102", dt.date(y - 4, 2, 14))
    _hours(ctx, "peer3@demo.peerpath.test", y - 1, 38, today)
    _hours(ctx, "peer3@demo.peerpath.test", y, 3, today)
    # Newly certified this year: nothing due until next year; this year's hours carry.
    certify("peer4@demo.peerpath.test", "BHPSS-3391", dt.date(y, 5, 20), title="Recovery Advocate")
    _hours(ctx, "peer4@demo.peerpath.test", y, 6, today)
    # Certified long ago; the certification expires within the month.
    certify(
        "peer6@demo.peerpath.test",
        "BHPSS-1650",
        dt.date(y - 5, 2, 1),
        expires=today + dt.timedelta(days=25),
    )
    _hours(ctx, "peer6@demo.peerpath.test", y, 15, today)
    # A trainee on the volunteer route, part-way through the checklist.
    trainee = profile_for(ctx.staff["peer5@demo.peerpath.test"])
    if trainee.status == CertificationStatus.TRAINEE and trainee.trail != Trail.VOLUNTEER:
        trainee.trail = Trail.VOLUNTEER
        trainee.hire_date = today - dt.timedelta(days=60)
        trainee.save()
    for step, days_ago in [("volunteer_hours", 90), ("application", 30), ("fee", 30)]:
        checklist_mark(
            profile=trainee,
            requirement=step,
            actor=ctx.staff["manager@demo.peerpath.test"].user,
            completed_on=today - dt.timedelta(days=days_ago),
        )
    # Someone who left this year, for the turnover figure (made once: an import would
    # bring a departed person back, which is right for imports but not for this story).
    former_email = "former.peer@demo.peerpath.test"
    if not Membership.objects.filter(
        organization=ctx.organization, user__email=former_email
    ).exists():
        former, _ = membership_ensure(
            organization=ctx.organization,
            email=former_email,
            first_name="Morgan",
            last_name="Ellis",
            role=Role.PEER_SUPPORTER,
            programs=[ctx.programs["ed-bridge"]],
        )
        gone = profile_for(former)
        gone.hire_date = dt.date(y - 2, 3, 1)
        gone.status = CertificationStatus.SEPARATED
        gone.separated_on = today - dt.timedelta(days=70)
        gone.separation_reason = SeparationReason.FUNDING_OR_WAGE
        gone.save()
        former.is_active = False
        former.save(update_fields=["is_active"])
    for email in ctx.staff:
        if ctx.staff[email].role == Role.PEER_SUPPORTER:
            reminders_send_for(profile_for(ctx.staff[email]), today=today)
