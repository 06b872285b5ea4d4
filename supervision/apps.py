from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"

    def ready(self) -> None:
        from supervision import events, selectors  # noqa: F401  (registers visibility rules)
