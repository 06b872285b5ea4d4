from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"

    def ready(self) -> None:
        from certification import events, selectors  # noqa: F401  (registers visibility rules)
        from certification.services import ensure_profile_for_peer
        from programs.services import MEMBER_HOOKS

        if ensure_profile_for_peer not in MEMBER_HOOKS:
            MEMBER_HOOKS.append(ensure_profile_for_peer)
