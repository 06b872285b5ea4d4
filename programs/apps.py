from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Organizations and programs"

    def ready(self) -> None:
        # Visibility rules, audit labels and the sign-in receivers register on import.
        from programs import (  # noqa: F401
            audit,
            budget,
            planning,
            readiness,
            selectors,
            sign_in_audit,
        )
