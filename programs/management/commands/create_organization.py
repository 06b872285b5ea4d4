from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.models import SettingType
from programs.services import organization_ensure


class Command(BaseCommand):
    help = "Create an organization (agency). Running it again with the same slug changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="short name used in commands, e.g. big-sky-recovery")
        parser.add_argument("--name", required=True, help="the organization's full name")
        parser.add_argument("--setting-type", choices=SettingType.values, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            org, created = organization_ensure(
                slug=options["slug"], name=options["name"], setting_type=options["setting_type"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        verb = "Created" if created else "Already there:"
        self.stdout.write(self.style.SUCCESS(f"{verb} {org.name} ({org.slug})"))
