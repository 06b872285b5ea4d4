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
        from programs.imports import register_import
        from programs.staff_import import StaffImporter

        register_import(StaffImporter)
