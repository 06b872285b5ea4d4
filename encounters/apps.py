from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "encounters"

    def ready(self) -> None:
        # Audit labels and visibility rules register themselves when imported.
        from certification.services import HISTORY_LISTENERS
        from encounters import events, selectors  # noqa: F401
        from encounters.encounter_import import EncounterImporter
        from encounters.program_page import caseload_section
        from encounters.services.billing import peer_history_rebill
        from programs.extensions import add_program_section
        from programs.imports import register_import

        add_program_section(caseload_section)
        register_import(EncounterImporter)
        # A change to a peer's certification history bills their encounters again.
        if peer_history_rebill not in HISTORY_LISTENERS:
            HISTORY_LISTENERS.append(peer_history_rebill)
