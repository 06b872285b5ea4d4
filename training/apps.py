from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self) -> None:
        from training import events, selectors  # noqa: F401  (audit labels, visibility rules)
