from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "encounters"

    def ready(self) -> None:
        from encounters import report_services, selectors  # noqa: F401  (visibility rules)
