from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from programs import demo

# Each app that has demo data provides `<app>/demo.py` with `seed(context)`.
DEMO_APPS = ("certification", "supervision", "encounters", "training")


class Command(BaseCommand):
    help = "Create or refresh the demo organization and print the demo logins (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
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
