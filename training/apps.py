from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self) -> None:
        from programs.extensions import add_home_section
        from training import events, needs_you, selectors  # noqa: F401  (audit labels, visibility rules)

        add_home_section(needs_you.needs_you_section)
