from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"

    def ready(self) -> None:
        # Audit labels and visibility rules register themselves when imported.
        from programs.access import supervisees_answered_by
        from programs.imports import register_import
        from programs.staff_import import staff_columns
        from supervision import events, selectors  # noqa: F401
        from supervision.hours_import import HoursImporter
        from supervision.log_import import PaperLogImporter
        from supervision.staff_columns import LicenseColumns

        # Clients and encounters (a layer below) scope a supervisor's view by this answer.
        supervisees_answered_by(selectors.supervisee_ids)
        register_import(HoursImporter)
        register_import(PaperLogImporter)
        if not any(isinstance(c, LicenseColumns) for c in staff_columns):
            staff_columns.append(LicenseColumns())
