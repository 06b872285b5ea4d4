from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"

    def ready(self) -> None:
        from certification import events, selectors  # noqa: F401  (registers visibility rules)
        from certification.ceu_import import CeuImporter
        from certification.services import ensure_profile_for_peer
        from certification.staff_columns import CertificationColumns
        from programs.imports import register_import
        from programs.services import MEMBER_HOOKS
        from programs.staff_import import staff_columns

        register_import(CeuImporter)
        if ensure_profile_for_peer not in MEMBER_HOOKS:
            MEMBER_HOOKS.append(ensure_profile_for_peer)
        if not any(isinstance(c, CertificationColumns) for c in staff_columns):
            staff_columns.append(CertificationColumns())
