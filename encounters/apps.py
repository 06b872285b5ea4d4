from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "encounters"

    def ready(self) -> None:
        # Audit labels and visibility rules register themselves when imported.
        from encounters import events, selectors  # noqa: F401
        from encounters.program_page import caseload_section
        from programs.extensions import add_program_section

        add_program_section(caseload_section)
