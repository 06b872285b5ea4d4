from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "encounters"

    def ready(self) -> None:
        from encounters import selectors  # noqa: F401  (registers visibility rules)
