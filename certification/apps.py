from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"

    def ready(self) -> None:
        from certification import selectors  # noqa: F401  (registers visibility rules)
