from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "encounters"

    def ready(self) -> None:
        # Audit labels and visibility rules register themselves when imported.
        from encounters import events, report_services, selectors  # noqa: F401
        from encounters.reporting import events as report_events  # noqa: F401
