"""Demo supervision: two licensed supervisors with three peers each under signed
agreements, a year of hours worked, and a year of weekly sessions, almost all signed, with
a realistic shortfall or two and one log left unsigned past its week."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from encounters.models import Client
from programs.demo import DemoContext
from supervision.models import (
    HoursWorked,
    LicenseType,
    LogAttendee,
    LogClient,
    SupervisionAgreement,
    SupervisionLog,
    SupervisorProfile,
    Topic,
)
from supervision.services.logs import certification_number_on
from supervision.services.signing import log_signature

PAIRS = {
    "supervisor@demo.peerpath.test": [
        "peer@demo.peerpath.test",
        "peer2@demo.peerpath.test",
        "peer3@demo.peerpath.test",
    ],
    "supervisor2@demo.peerpath.test": [
        "peer4@demo.peerpath.test",
        "peer5@demo.peerpath.test",
        "peer6@demo.peerpath.test",
    ],
}
LICENSES = {
    "supervisor@demo.peerpath.test": (LicenseType.SOCIAL_WORKER, "LCSW-4821", 9, Decimal(0)),
    # Licensed two years ago, eligible through clinical-supervision CEUs.
    "supervisor2@demo.peerpath.test": (
        LicenseType.PROFESSIONAL_COUNSELOR,
        "LCPC-1177",
        2,
        Decimal(24),
    ),
}
TOPIC_SETS = [
    [Topic.CHECK_IN, Topic.ETHICS_BOUNDARIES, Topic.CLIENT_PHASES],
    [Topic.CHECK_IN, Topic.SKILL_BUILDING, Topic.PROBLEM_SOLVING],
    [Topic.PERSONAL_MISSION, Topic.SUCCESSES, Topic.ACCOUNTABILITY],
    [Topic.CHECK_IN, Topic.SCOPE_OF_PRACTICE, Topic.EXPERIENCES],
]
NOTES = [
    "Reviewed boundaries around rides and personal phone numbers; role-played saying no.",
    "Worked through a referral that stalled; agreed who calls the housing office.",
    "Celebrated a participant's first month in recovery housing; talked about self-care.",
    "Went over each participant's phase and what moves them from engaging to connecting.",
]
# (peer, months back from this month) when the peer missed the group sessions: shortfalls.
MISSED = {("peer3@demo.peerpath.test", 2), ("peer5@demo.peerpath.test", 5)}


def seed(ctx: DemoContext) -> None:
    org = ctx.organization
    today = org.today()
    year_ago = today - dt.timedelta(days=365)
    people(ctx)
    if SupervisionLog.objects.filter(organization=org).exists():
        return  # hours and logs were seeded before: the demo is idempotent
    rng = random.Random(2026)
    _hours(ctx, rng, year_ago, today)
    _logs(ctx, rng, year_ago, today)


def people(ctx: DemoContext) -> None:
    """The supervisors' licenses and their signed agreements with their peers."""
    today = ctx.organization.today()
    for email, (kind, number, years, ceus) in LICENSES.items():
        SupervisorProfile.objects.update_or_create(
            membership=ctx.staff[email],
            defaults={
                "license_type": kind,
                "license_number": number,
                "licensed_on": today.replace(year=today.year - years, day=1),
                "supervision_ceu_hours": ceus,
            },
        )
    start = today - dt.timedelta(days=400)
    for supervisor, peers in PAIRS.items():
        for peer in peers:
            SupervisionAgreement.objects.update_or_create(
                supervisor=ctx.staff[supervisor],
                supervisee=ctx.staff[peer],
                defaults={
                    "starts_on": start,
                    "supervisor_signed_on": start,
                    "supervisee_signed_on": start,
                },
            )


def _hours(ctx: DemoContext, rng: random.Random, first: dt.date, today: dt.date) -> None:
    """Past months' hours came from payroll (confirmed); this month's the peers entered
    themselves, so they are reported until a supervisor or manager confirms them."""
    rows = []
    month_start = today.replace(day=1)
    now = timezone.now()
    for peers in PAIRS.values():
        for email in peers:
            peer = ctx.staff[email]
            # Full time, most of it, or part time; always in quarter hours.
            per_day = rng.choice([Decimal(8), Decimal("6.5"), Decimal("4.75")])
            day = first
            while day < today:
                if day.weekday() < 5 and rng.random() > 0.04:  # a few days off
                    reported = day >= month_start
                    rows.append(
                        HoursWorked(
                            peer=peer,
                            date=day,
                            hours=per_day,
                            entered_by=peer.user if reported else None,
                            confirmed_at=None if reported else now,
                        )
                    )
                day += dt.timedelta(days=1)
    HoursWorked.objects.bulk_create(rows, ignore_conflicts=True)


def _months_back(day: dt.date, today: dt.date) -> int:
    return (today.year - day.year) * 12 + today.month - day.month


def _logs(ctx: DemoContext, rng: random.Random, first: dt.date, today: dt.date) -> None:
    org = ctx.organization
    clients: dict[int, list[Client]] = {}
    for c in Client.objects.filter(program__organization=org, discharged_on__isnull=True):
        clients.setdefault(c.assigned_peer_id or 0, []).append(c)
    plans = []
    for supervisor_email, peer_emails in PAIRS.items():
        supervisor = ctx.staff[supervisor_email]
        profile = SupervisorProfile.objects.get(membership=supervisor)
        day = first + dt.timedelta(days=(1 - first.weekday()) % 7)  # Tuesdays
        week = 0
        while day < today:
            present = [
                ctx.staff[p] for p in peer_emails if (p, _months_back(day, today)) not in MISSED
            ]
            # A weekly two-hour group session, and every other week an hour one-on-one.
            sessions = [(present, dt.time(9, 0), dt.time(11, 0))]
            if week % 2 == 0:
                for i, peer in enumerate(ctx.staff[p] for p in peer_emails):
                    sessions.append(([peer], dt.time(13 + i, 0), dt.time(14 + i, 0)))
            for attendees, start, end in sessions:
                if attendees:
                    plans.append((supervisor, profile, day, start, end, attendees))
            day += dt.timedelta(days=7)
            week += 1
    logs = SupervisionLog.objects.bulk_create(
        [
            SupervisionLog(
                organization=org,
                supervisor=supervisor,
                date=day,
                start_time=start,
                end_time=end,
                minutes=(end.hour * 60 + end.minute) - (start.hour * 60 + start.minute),
                topics=[str(t) for t in rng.choice(TOPIC_SETS)],
                notes=rng.choice(NOTES),
                signoff_assessments=True,
                signoff_interventions=True,
                supervisor_name=supervisor.user.get_full_name() or str(supervisor.user),
                supervisor_license_type=profile.license_type,
                supervisor_license_number=profile.license_number,
                created_by=supervisor.user,
            )
            for supervisor, profile, day, start, end, _ in plans
        ]
    )
    attendee_rows: list[LogAttendee] = []
    discussed: list[LogClient] = []
    for log, (_, _, day, _, _, peers) in zip(logs, plans, strict=True):
        for peer in peers:
            attendee_rows.append(
                LogAttendee(
                    log=log,
                    supervisee=peer,
                    supervisee_name=peer.user.get_full_name() or str(peer.user),
                    certification_number=certification_number_on(peer, day),
                )
            )
            for client in rng.sample(
                clients.get(peer.pk, []), k=min(2, len(clients.get(peer.pk, [])))
            ):
                if client.enrolled_on <= day:
                    discussed.append(
                        LogClient(
                            log=log, client=client, client_code=client.code, phase=client.phase
                        )
                    )
    LogAttendee.objects.bulk_create(attendee_rows)
    LogClient.objects.bulk_create(discussed)
    # Sign all but the most recent few; one from ten days ago stays unsigned (overdue).
    now = timezone.now()
    signable = (
        SupervisionLog.objects.filter(organization=org, date__lt=today - dt.timedelta(days=3))
        .select_related("supervisor__user")
        .prefetch_related("attendees", "clients")
    )
    overdue = (
        SupervisionLog.objects.filter(organization=org, date__lt=today - dt.timedelta(days=8))
        .order_by("-date")
        .values_list("pk", flat=True)
        .first()
    )
    to_sign = []
    for log in signable:
        if log.pk == overdue:
            continue
        log.signed_at = now - dt.timedelta(days=(today - log.date).days - 1)
        log.signed_by = log.supervisor.user
        log.signature_hash = log_signature(log)
        to_sign.append(log)
    SupervisionLog.objects.bulk_update(
        to_sign, ["signature_hash", "signed_at", "signed_by"], batch_size=200
    )
