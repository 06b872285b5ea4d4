import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.models import PeerProfile
from certification.selectors import standings_for
from programs.imports import NO_SUCH_ORGANIZATION
from programs.models import Organization
from programs.spreadsheets import CsvDictWriter

FIELDS = (
    "email",
    "required",
    "earned",
    "carried_in",
    "available",
    "remaining",
    "carry_out",
    "status",
)


class Command(BaseCommand):
    help = "Print every peer's CEU standing for a year as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True)
        parser.add_argument(
            "--year", type=int, required=True, choices=range(2000, 2101), metavar="YYYY"
        )
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(NO_SUCH_ORGANIZATION.format(slug=options["organization"]))
        rows = standings_for(
            PeerProfile.objects.filter(membership__organization=org),
            year=options["year"],
            today=org.today(),
        )
        records = [
            {
                "email": r.profile.membership.user.email,
                "required": float(r.standing.required),
                "earned": float(r.standing.earned),
                "carried_in": float(r.standing.carried_in),
                "available": float(r.standing.available),
                "remaining": float(r.standing.remaining),
                "carry_out": float(r.standing.carry_out),
                "status": str(r.standing.status),
            }
            for r in rows
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(records, indent=2))
            return
        writer = CsvDictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
