"""`import_hours`: the hours each peer worked per day, from a timesheet export, through the
shared import mechanism. A row is one peer's hours on one date; it sets that day's hours
through `hours_set`, so importing the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Role
from supervision.models import HoursWorked
from supervision.services.hours import hours_problems, hours_set

NOT_AN_ACTIVE_PEER_HERE = "no active peer supporter with this e-mail address in the organization"


@dataclass(frozen=True)
class HoursRow:
    peer_email: str
    date: dt.date
    hours: Decimal


class HoursImporter(CsvImporter[HoursRow]):
    kind = "hours"
    label = "Hours worked"
    columns = ("peer_email", "date", "hours")
    column_help = {
        "peer_email": "The e-mail address of an active peer supporter.",
        "date": "The day worked, as YYYY-MM-DD.",
        "hours": "Hours worked that day (for example 7.5); a later file for the same day "
        "replaces it.",
    }
    example_row = {"peer_email": "jordan.lee@example.org", "date": "2025-02-14", "hours": "7.5"}
    key_description = "peer and date"
    key_columns = ("peer_email", "date")

    def parse(self, cells: Cells) -> HoursRow:
        day = cells.date("date", required=True)
        hours = cells.decimal("hours", required=True)
        return HoursRow(
            peer_email=cells.email("peer_email"),
            date=day or dt.date.min,
            hours=Decimal(0) if hours is None else hours,
        )

    def key(self, row: HoursRow) -> object:
        return (row.peer_email, row.date)

    def check(self, rows: list[tuple[int, HoursRow]]) -> list[RowError]:
        self._peers = {
            m.user.email: m
            for m in Membership.objects.filter(
                organization=self.organization,
                role=Role.PEER_SUPPORTER,
                is_active=True,
                user__is_active=True,
                user__email__in={r.peer_email for _, r in rows},
            ).select_related("user", "organization")
        }
        today = self.organization.today()
        errors = []
        for line, row in rows:
            if row.peer_email not in self._peers:
                errors.append(RowError(line, "peer_email", NOT_AN_ACTIVE_PEER_HERE))
            # The service's rules, checked for every row before anything is written so that
            # one run names every problem; hours_set checks them again when writing.
            for column, message in hours_problems(row.date, row.hours, today=today).items():
                errors.append(RowError(line, column, message))
        return errors

    def write(self, row: HoursRow) -> Outcome:
        peer = self._peers[row.peer_email]
        existed = HoursWorked.objects.filter(peer=peer, date=row.date).exists()
        changed = hours_set(
            peer=peer, actor=self.actor, days={row.date: row.hours}, source="import"
        )
        if not changed:
            return "unchanged"
        return "updated" if existed else "created"
