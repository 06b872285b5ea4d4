"""Demo clients and a year of their encounters and surveys: believable caseloads (one peer
over the program's limit), mostly emotional support, a realistic spread of answers to
"what would you have done without a peer"."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Max
from django.utils import timezone

from certification.models import Certification
from certification.selectors import PeerHistory, peer_histories
from encounters import rules
from encounters.models import (
    Alternative,
    Client,
    Encounter,
    Format,
    ModelPhase,
    ServiceType,
    Setting,
    SurveyChannel,
    SurveyResponse,
    YesNo,
)
from encounters.selectors import rate_on, shared_payer
from encounters.services.survey import survey_current
from programs.demo import DemoContext
from programs.models import Membership

# peer e-mail -> (program slug, how many active clients, how many discharged)
CASELOADS = {
    "peer@demo.peerpath.test": ("recovery-coaching", 11, 4),
    "peer2@demo.peerpath.test": ("recovery-coaching", 9, 2),
    "peer3@demo.peerpath.test": ("recovery-coaching", 12, 3),
    "peer4@demo.peerpath.test": ("ed-bridge", 18, 5),  # over the limit of 15
    "peer5@demo.peerpath.test": ("ed-bridge", 3, 0),  # a trainee, lighter load
    "peer6@demo.peerpath.test": ("ed-bridge", 10, 2),
}
PHASES = [
    ModelPhase.ENGAGING,
    ModelPhase.CONNECTING,
    ModelPhase.SUPPORTING,
    ModelPhase.SUPPORTING,
    ModelPhase.CONNECTING,
]


def seed(ctx: DemoContext) -> None:
    _clients(ctx)
    if not Encounter.objects.filter(organization=ctx.organization, source="demo").exists():
        _encounters(ctx)


def _clients(ctx: DemoContext) -> None:
    today = timezone.localdate()
    for n, (email, (slug, active, discharged)) in enumerate(CASELOADS.items()):
        program = ctx.programs[slug]
        prefix = "RC" if slug == "recovery-coaching" else "ED"
        for i in range(active + discharged):
            code = f"{prefix}-{n + 1}{i + 1:03d}"
            enrolled = today - dt.timedelta(days=20 + 17 * i)
            Client.objects.get_or_create(
                program=program,
                code=code,
                defaults={
                    "assigned_peer": ctx.staff[email],
                    "enrolled_on": enrolled,
                    "discharged_on": today - dt.timedelta(days=5 + i) if i >= active else None,
                    "phase": PHASES[i % len(PHASES)],
                },
            )


# Weights for the answer to "what would you have done without a peer" (a realistic spread:
# most would have done nothing or called someone; some would have used emergency services).
ALTERNATIVE_WEIGHTS = {
    Alternative.NONE: 24,
    Alternative.FRIEND_OR_FAMILY: 20,
    Alternative.CRISIS_LINE: 11,
    Alternative.USED_SUBSTANCES: 12,
    Alternative.EMERGENCY_DEPARTMENT: 10,
    Alternative.CALLED_911: 6,
    Alternative.CRISIS_BED: 5,
    Alternative.INPATIENT: 4,
    Alternative.JAIL: 3,
    Alternative.OTHER: 5,
}
SETTING_WEIGHTS = {
    Setting.OFFICE: 30,
    Setting.COMMUNITY: 20,
    Setting.PHONE: 18,
    Setting.HOME: 10,
    Setting.EMERGENCY_DEPARTMENT: 8,
    Setting.DROP_IN_CENTER: 6,
    Setting.VIDEO: 4,
    Setting.CRISIS_CALL: 3,
    Setting.JAIL: 1,
}
PHASE_ORDER = [ModelPhase.ENGAGING, ModelPhase.CONNECTING, ModelPhase.SUPPORTING]


def _pick(rng: random.Random, weights: Mapping[Any, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _encounters(ctx: DemoContext) -> None:
    """About a year of encounters for each demo peer, billed by the same rule the app uses,
    two in three followed by a survey."""
    rng = random.Random(20261124)
    org = ctx.organization
    today = timezone.localdate()
    medicaid = shared_payer("medicaid")
    # Each peer's certification history, read once: billing asks it about every day.
    certifications = peer_histories(
        list(
            Certification.objects.filter(profile__membership__organization=org).values_list(
                "profile__membership_id", flat=True
            )
        )
    )
    question_set = survey_current(org)
    peers = [ctx.staff[email] for email in CASELOADS]
    clients_by_peer: dict[int, list[Client]] = defaultdict(list)
    for client in Client.objects.filter(assigned_peer__in=peers):
        clients_by_peer[client.assigned_peer_id].append(client)  # type: ignore[index]
    encounters: list[Encounter] = []
    answers: list[tuple[int, dict[str, object]]] = []
    wellbeing: dict[int, float] = {}
    for peer in peers:
        for day_back in range(365, -1, -1):
            day = today - dt.timedelta(days=day_back)
            if day.weekday() >= 5:
                continue
            active = [c for c in clients_by_peer[peer.pk] if c.is_active_on(day)]
            for client in rng.sample(active, k=min(len(active), rng.choice([0, 1, 1, 2, 2, 3]))):
                encounters.append(_one(rng, peer, client, day, medicaid, certifications))
                if rng.random() < 0.66:
                    answers.append((len(encounters) - 1, _answers(rng, client, wellbeing)))
            if day.weekday() == 2 and active:  # the weekly support group
                group = _one(rng, peer, None, day, medicaid, certifications)
                group.format = Format.GROUP
                group.head_count = rng.randint(4, 11)
                group.setting = Setting.DROP_IN_CENTER
                group.affiliation = True
                encounters.append(group)
    Encounter.objects.bulk_create(encounters, batch_size=500)
    saved = list(Encounter.objects.filter(organization=org, source="demo").order_by("external_id"))
    by_key = {e.external_id: e for e in saved}
    responses = [
        SurveyResponse(
            encounter=by_key[encounters[i].external_id],
            organization=org,
            question_set=question_set,
            channel=SurveyChannel.HANDOVER if rng.random() < 0.8 else SurveyChannel.LINK,
            submitted_on=encounters[i].date,
            encounter_date=encounters[i].date,
            **a,
        )
        for i, a in answers
    ]
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    # Each client's phase is the phase of their latest encounter.
    latest = (
        Encounter.objects.filter(organization=org, client__isnull=False)
        .values("client")
        .annotate(last=Max("date"))
    )
    for row in latest:
        phase = (
            Encounter.objects.filter(client_id=row["client"], date=row["last"])
            .order_by("-start_time")
            .values_list("phase", flat=True)
            .first()
        )
        Client.objects.filter(pk=row["client"]).update(phase=phase)


_counter = iter(range(1, 10**7))


def _one(
    rng: random.Random,
    peer: Membership,
    client: Client | None,
    day: dt.date,
    medicaid: object,
    certifications: dict[int, PeerHistory],
) -> Encounter:
    minutes = rng.choice([10, 15, 20, 22, 23, 30, 30, 40, 45, 45, 60, 75, 90])
    service = "" if rng.random() < 0.15 else rng.choice(ServiceType.values)
    payer = medicaid if rng.random() < 0.85 else None
    rate = rate_on(payer, day) if payer is not None else None  # type: ignore[arg-type]
    standing = certifications[peer.pk].standing_on(day) if peer.pk in certifications else None
    decision = rules.billing_decision(
        minutes=minutes,
        date=day,
        service_type=service,
        payer_name=payer.name if payer is not None else None,  # type: ignore[attr-defined]
        unit_rate=rate.unit_amount if rate is not None else None,
        requires_certification=True,
        peer_certified=standing is not None and standing.certified,
        lapsed_on=standing.lapsed_on if standing is not None else None,
    )
    phase_index = min(2, max(0, (day - client.enrolled_on).days // 40)) if client else 1
    if rng.random() < 0.12:  # recovery is not linear
        phase_index = max(0, phase_index - 1)
    return Encounter(
        organization=peer.organization,
        program=client.program if client else peer.programs.first(),
        peer=peer,
        client=client,
        date=day,
        start_time=dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])),
        duration_minutes=minutes,
        setting=_pick(rng, SETTING_WEIGHTS),
        format=Format.INDIVIDUAL,
        phase=PHASE_ORDER[phase_index],
        emotional=rng.random() < 0.77,
        informational=rng.random() < 0.35,
        instrumental=rng.random() < 0.25,
        affiliation=rng.random() < 0.18,
        service_type=service,
        payer=payer,  # type: ignore[misc]
        billable=decision.billable,
        units=decision.units,
        amount=decision.amount,
        not_billable_reason=decision.reason,
        rate=rate if decision.billable else None,
        note_data="Demo note: met to talk through the week and next steps.",
        external_id=f"demo-{next(_counter):06d}",
        source="demo",
        created_by=peer.user,
    )


def _answers(rng: random.Random, client: Client, wellbeing: dict[int, float]) -> dict[str, object]:
    # Well-being drifts upward over a client's time with a peer, with setbacks.
    level = wellbeing.get(client.pk, rng.uniform(3, 6))
    level = min(10.0, max(1.0, level + rng.uniform(-0.6, 0.9)))
    wellbeing[client.pk] = level
    return {
        "satisfaction": rng.choices([5, 4, 3, 2, 1], weights=[58, 28, 9, 3, 2])[0],
        "wellbeing": round(level),
        "alternative": _pick(rng, ALTERNATIVE_WEIGHTS),
        "other_services": rng.choices([YesNo.NO, YesNo.YES, YesNo.PREFER_NOT], [70, 22, 8])[0],
        "relapse": rng.choices([YesNo.NO, YesNo.YES, YesNo.PREFER_NOT], [78, 12, 10])[0],
    }
