"""Demo data for trying the product: one believable organization, every role, fixed logins.

Each app adds its own part in `<app>/demo.py` with a `seed(context)` function; `seed_demo`
runs them in order. Everything here is idempotent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from config.accounts.models import User
from programs.models import Membership, Organization, Program, Role, SettingType

DEMO_ORG_SLUG = "big-sky-recovery"
DEMO_ORG_NAME = "Big Sky Recovery Partners"
DEMO_PROGRAMS = [
    ("recovery-coaching", "Recovery Coaching", "Peer recovery coaches in the community."),
    ("ed-bridge", "Emergency Department Bridge", "Peers on call for the regional hospital."),
]
# (email, first, last, role, programs)
DEMO_STAFF: list[tuple[str, str, str, str, list[str]]] = [
    ("admin@demo.peerpath.test", "Alex", "Morgan", Role.ORG_ADMIN, []),
    (
        "manager@demo.peerpath.test",
        "Dana",
        "Whitehorse",
        Role.PROGRAM_MANAGER,
        ["recovery-coaching", "ed-bridge"],
    ),
    (
        "supervisor@demo.peerpath.test",
        "Renee",
        "Lindqvist",
        Role.CLINICAL_SUPERVISOR,
        ["recovery-coaching"],
    ),
    (
        "supervisor2@demo.peerpath.test",
        "Marcus",
        "Old Coyote",
        Role.CLINICAL_SUPERVISOR,
        ["ed-bridge"],
    ),
    ("peer@demo.peerpath.test", "Jordan", "Baker", Role.PEER_SUPPORTER, ["recovery-coaching"]),
    (
        "peer2@demo.peerpath.test",
        "Casey",
        "Running Crane",
        Role.PEER_SUPPORTER,
        ["recovery-coaching"],
    ),
    ("peer3@demo.peerpath.test", "Sam", "Ostrander", Role.PEER_SUPPORTER, ["recovery-coaching"]),
    ("peer4@demo.peerpath.test", "Taylor", "Nguyen", Role.PEER_SUPPORTER, ["ed-bridge"]),
    ("peer5@demo.peerpath.test", "Riley", "Fisher", Role.PEER_SUPPORTER, ["ed-bridge"]),
    ("peer6@demo.peerpath.test", "Jamie", "Two Bulls", Role.PEER_SUPPORTER, ["ed-bridge"]),
    ("trainer@demo.peerpath.test", "Avery", "Standing Elk", Role.TRAINER, []),
]


@dataclass
class DemoContext:
    organization: Organization
    programs: dict[str, Program]
    staff: dict[str, Membership] = field(default_factory=dict)


def current_demo_code() -> str:
    """The six-digit code the demo authenticator would show right now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(settings.DEMO_TOTP_SECRET, counter))


def demo_logins() -> list[tuple[str, str]]:
    return [(Role(role).label, email) for email, _f, _l, role, _p in DEMO_STAFF]


def _enrol_demo_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, settings.DEMO_TOTP_SECRET)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


def seed() -> DemoContext:
    from programs.services import membership_ensure, organization_ensure, program_ensure

    org, _ = organization_ensure(
        slug=DEMO_ORG_SLUG,
        name=DEMO_ORG_NAME,
        setting_type=SettingType.BEHAVIORAL_HEALTH_CENTER,
    )
    programs: dict[str, Program] = {}
    for slug, name, description in DEMO_PROGRAMS:
        program, created = program_ensure(organization=org, slug=slug, name=name)
        if created:
            program.description = description
            program.save(update_fields=["description"])
        programs[slug] = program
    ctx = DemoContext(organization=org, programs=programs)
    for email, first, last, role, program_slugs in DEMO_STAFF:
        membership, _ = membership_ensure(
            organization=org,
            email=email,
            first_name=first,
            last_name=last,
            role=role,
            programs=[programs[s] for s in program_slugs],
        )
        user = membership.user
        if not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        _enrol_demo_totp(user)
        ctx.staff[email] = membership
    _seed_readiness(ctx)
    _seed_phases(ctx)
    _seed_budgets(ctx)
    return ctx


def _seed_budgets(ctx: DemoContext) -> None:
    """Recovery Coaching's positions are paid for by two sources; the ED Bridge runs at a
    deficit on one grant that ends soon (what a manager must fix before it starts)."""
    import datetime as dt
    from decimal import Decimal as D

    from programs.budget import funding_add, position_save
    from programs.models import PeerPosition

    manager = ctx.staff["manager@demo.peerpath.test"].user
    today = ctx.organization.today()
    costs: dict[str, Any] = {
        "benefits": D("7800"),
        "supervision": D("2600"),
        "vehicle": D("3900"),
        "laptop": D("400"),
        "phone": D("600"),
        "insurance": D("900"),
        "initial_training": D("950"),
        "ongoing_support": D("1200"),
        "certification_fees": D("93"),
        "outreach_materials": D("250"),
        "continuing_education": D("400"),
        "administration": D("2500"),
    }
    coaching, bridge = ctx.programs["recovery-coaching"], ctx.programs["ed-bridge"]
    if not PeerPosition.objects.filter(program=coaching).exists():
        p = position_save(
            program=coaching,
            actor=manager,
            title="Recovery coach",
            hourly_wage=D("18.50"),
            hours_per_week=D("40"),
            **costs,
        )
        funding_add(
            position=p,
            actor=manager,
            kind="medicaid",
            name="Medicaid billing",
            yearly_amount=D("38000"),
        )
        funding_add(
            position=p,
            actor=manager,
            kind="contract",
            name="County contract",
            yearly_amount=D("22000"),
        )
    if not PeerPosition.objects.filter(program=bridge).exists():
        p = position_save(
            program=bridge,
            actor=manager,
            title="ED bridge peer",
            hourly_wage=D("16.50"),
            hours_per_week=D("40"),
            **costs,
        )
        funding_add(
            position=p,
            actor=manager,
            kind="grant",
            name="Hospital foundation grant",
            yearly_amount=D("45000"),
            ends_on=today + dt.timedelta(days=120),
        )


def _seed_phases(ctx: DemoContext) -> None:
    """Recovery Coaching runs (Operational); the ED Bridge is being set up (Implementation,
    checklist partly done)."""
    import datetime as dt

    from programs.planning import phase_items_create, program_phase_advance

    manager = ctx.staff["manager@demo.peerpath.test"].user
    today = ctx.organization.today()

    def finish(program: Program, phase: str, how_many: int | None = None) -> None:
        phase_items_create(program, phase)
        items = list(program.checklist.filter(phase=phase).order_by("position"))
        for i, item in enumerate(items[:how_many] if how_many is not None else items):
            item.done_on = today - dt.timedelta(days=200 - i * 5)
            item.owner = manager
            item.save()

    coaching, bridge = ctx.programs["recovery-coaching"], ctx.programs["ed-bridge"]
    if coaching.phase == "planning" and not coaching.phase_changes.exists():
        for _ in range(2):
            finish(coaching, coaching.phase)
            program_phase_advance(program=coaching, actor=manager)
            coaching.refresh_from_db()
        finish(coaching, "operational", 1)
    if bridge.phase == "planning" and not bridge.phase_changes.exists():
        finish(bridge, "planning")
        program_phase_advance(program=bridge, actor=manager)
        bridge.refresh_from_db()
        finish(bridge, "implementation", 4)
        for i, item in enumerate(
            bridge.checklist.filter(phase="implementation", done_on__isnull=True)[:3]
        ):
            item.owner = manager
            item.due_date = today + dt.timedelta(days=14 * (i + 1))
            item.save()


def _seed_readiness(ctx: DemoContext) -> None:
    """Two assessments a year apart: 70% with a plan for the three 'no's, then 90%."""
    import datetime as dt

    from programs.models import ReadinessAssessment
    from programs.readiness import (
        PlannedAction,
        readiness_action_done,
        readiness_assessment_record,
        readiness_plan_save,
    )
    from programs.rules import READINESS_STATEMENTS

    if ReadinessAssessment.objects.filter(organization=ctx.organization).exists():
        return
    manager = ctx.staff["manager@demo.peerpath.test"].user
    admin = ctx.staff["admin@demo.peerpath.test"].user
    today = ctx.organization.today()
    codes = list(READINESS_STATEMENTS)
    first_no = {"peer_at_every_level", "flexible_hours", "management_learning"}
    first = readiness_assessment_record(
        organization=ctx.organization,
        actor=manager,
        assessed_on=today - dt.timedelta(days=400),
        answers={c: (c not in first_no, "") for c in codes},
        notes="Baseline before hiring the first peer supporters.",
    )
    plan = {
        "peer_at_every_level": "Add a peer to the crisis and intake teams",
        "flexible_hours": "Pilot evening drop-in hours two nights a week",
        "management_learning": "Quarterly recovery-culture training for supervisors",
    }
    actions = readiness_plan_save(
        assessment=first,
        actor=manager,
        actions={
            c: PlannedAction(
                text,
                admin if i == 2 else manager,
                first.assessed_on + dt.timedelta(days=90 * (i + 1)),
            )
            for i, (c, text) in enumerate(plan.items())
        },
    )
    for action in actions[:2]:
        readiness_action_done(action=action, actor=manager, done_on=action.target_date)
    readiness_assessment_record(
        organization=ctx.organization,
        actor=manager,
        assessed_on=today - dt.timedelta(days=30),
        answers={c: (c != "management_learning", "") for c in codes},
        notes="Drop-in hours and peers on intake are in place.",
    )
