"""Demo clients: believable caseloads, one peer over the program's limit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from encounters.models import Client, ModelPhase
from programs.demo import DemoContext

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
