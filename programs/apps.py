from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Organizations and programs"

    def ready(self) -> None:
        # Registers the visibility rules for this app's models.
        from programs import audit, budget, planning, readiness, selectors  # noqa: F401
