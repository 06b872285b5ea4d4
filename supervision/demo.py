"""Demo supervision agreements: each supervisor has three peers."""

from __future__ import annotations

import datetime as dt

from certification.selectors import organization_today
from programs.demo import DemoContext
from supervision.models import SupervisionAgreement

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


def seed(ctx: DemoContext) -> None:
    today = organization_today(ctx.organization)
    for supervisor, peers in PAIRS.items():
        for peer in peers:
            SupervisionAgreement.objects.get_or_create(
                supervisor=ctx.staff[supervisor],
                supervisee=ctx.staff[peer],
                defaults={"starts_on": today - dt.timedelta(days=400)},
            )
