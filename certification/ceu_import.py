"""`import_ceus`: CEU hours from a spreadsheet, through the shared import mechanism."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from certification.models import CeuSource, PeerProfile, Topic
from certification.rules import is_quarter_hours
from certification.services import MAX_HOURS_PER_ENTRY, ceu_add, profile_for
from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Role

NOT_A_PEER_HERE = "no peer supporter with this e-mail address in the organization"


@dataclass(frozen=True)
class CeuRow:
    peer_email: str
    date: dt.date
    hours: Decimal
    title: str
    provider: str
    topic: str


class CeuImporter(CsvImporter[CeuRow]):
    kind = "ceus"
    label = "Continuing education (CEUs)"
    columns = ("peer_email", "date", "hours", "title", "provider", "topic")
    column_help = {
        "peer_email": "The e-mail address of the peer supporter who took the training.",
        "date": "The day of the training, as YYYY-MM-DD; not in the future.",
        "hours": "CEU hours, in quarter hours (1.25, 2, 6.5).",
        "title": "The training's title.",
        "provider": "Who gave it. May be blank.",
        "topic": "One of the board's topics: " + ", ".join(Topic.values) + ". May be blank.",
    }
    example_row = {
        "peer_email": "jordan.lee@example.org",
        "date": "2025-02-14",
        "hours": "2.5",
        "title": "Ethics and boundaries refresher",
        "provider": "Montana Peer Network",
        "topic": "boundaries_ethics",
    }
    key_description = "CEU entry (same peer, date, hours and title)"
    key_columns = ("peer_email", "date", "hours", "title")

    def parse(self, cells: Cells) -> CeuRow:
        hours = cells.decimal(
            "hours", required=True, minimum=Decimal("0.25"), maximum=MAX_HOURS_PER_ENTRY
        )
        if hours is not None and not is_quarter_hours(hours):
            cells.error("hours", "use quarter hours (e.g. 1.25)")
        day = cells.date("date", required=True)
        if day is not None and day > self.organization.today():
            cells.error("date", "is in the future")
        return CeuRow(
            peer_email=cells.email("peer_email"),
            date=day or dt.date.min,
            hours=hours or Decimal(0),
            title=cells.text("title", required=True),
            provider=cells.text("provider"),
            topic=cells.choice("topic", Topic.values),
        )

    def key(self, row: CeuRow) -> object:
        return (row.peer_email, row.date, row.hours.normalize(), row.title.lower())

    def check(self, rows: list[tuple[int, CeuRow]]) -> list[RowError]:
        peers = set(
            Membership.objects.filter(
                organization=self.organization,
                role=Role.PEER_SUPPORTER,
                user__email__in={r.peer_email for _, r in rows},
            ).values_list("user__email", flat=True)
        )
        return [
            RowError(line, "peer_email", NOT_A_PEER_HERE)
            for line, row in rows
            if row.peer_email not in peers
        ]

    def _profile(self, email: str) -> PeerProfile:
        membership = Membership.objects.get(organization=self.organization, user__email=email)
        return profile_for(membership)

    def write(self, row: CeuRow) -> Outcome:
        # The natural key makes a re-import of the same file land nothing new.
        hours = row.hours.normalize()  # 1.5 and 1.50 are the same hours
        natural = f"{self.organization.pk}|{row.peer_email}|{row.date}|{hours}|{row.title.lower()}"
        key = "import:" + hashlib.sha256(natural.encode()).hexdigest()
        _, created = ceu_add(
            profile=self._profile(row.peer_email),
            actor=self.actor,
            date=row.date,
            hours=row.hours,
            title=row.title,
            provider=row.provider,
            topic=row.topic,
            source=CeuSource.IMPORT,
            source_key=key,
        )
        return "created" if created else "unchanged"
