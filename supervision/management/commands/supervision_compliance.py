"""Print each peer's supervision for a month: hours worked, minutes required and received,
the balance and whether it complies (1 hour per 20 worked)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.models import Organization, Role
from programs.spreadsheets import CsvDictWriter
from supervision import selectors
from supervision.selectors import COMPLIANCE_COLUMNS, compliance_cells

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Command(BaseCommand):
    help = (
        "Supervision compliance per peer for a month: email, hours_worked, required_minutes, "
        "received_minutes, balance_minutes, compliant, unconfirmed_hours (reported by the peer, "
        "not yet confirmed) and includes_unconfirmed_hours."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="the organization's slug")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"No organization with the slug {options['organization']!r}.")
        found = MONTH.match(options["month"])
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise CommandError("Give the month as YYYY-MM, e.g. 2026-03.")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1900 <= year <= 2999:
            raise CommandError("Give a month between 1900 and 2999.")
        peers = selectors.peers_in_month(
            org.memberships.filter(role=Role.PEER_SUPPORTER), year=year, month=month
        )
        rows = [compliance_cells(r) for r in selectors.month_ratios(peers, year=year, month=month)]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        writer = CsvDictWriter(self.stdout, fieldnames=COMPLIANCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        flags = ("compliant", "includes_unconfirmed_hours")
        writer.writerows({**r, **{f: "true" if r[f] else "false" for f in flags}} for r in rows)
