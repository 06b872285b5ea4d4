from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs import demo

DEMO_ONLY = (
    "seed_demo creates accounts with a published password and authenticator secret; "
    "it runs only with DEMO_MODE on (the laptop settings), never in production."
)
# Each app that has demo data provides `<app>/demo.py` with `seed(context)`.
DEMO_APPS = ("certification", "encounters", "supervision", "encounters.reporting", "training")


class Command(BaseCommand):
    help = "Create or refresh the demo organization and print the demo logins (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(DEMO_ONLY)
        context = demo.seed()
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(context)
        self.stdout.write(self.style.SUCCESS(f"Demo organization: {context.organization.name}"))
        self.stdout.write(f"Password for every demo account: {settings.DEMO_PASSWORD}")
        for role, email in demo.demo_logins():
            self.stdout.write(f"  {role:<22} {email}")
        self.stdout.write(
            "Second factor: the sign-in page shows the current demo code while DEMO_MODE is on "
            "(the default on a laptop). Every demo account shares the demo authenticator secret "
            f"{settings.DEMO_TOTP_SECRET}."
        )
