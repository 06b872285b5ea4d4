from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site's own rules for every app; first in INSTALLED_APPS, so its `ready()` runs
    before any other app's (the admin's loads every admin module, and with them forms)."""

    name = "config"
    label = "site"
    verbose_name = "PeerPath"

    def ready(self) -> None:
        from config.text import require_storable_text_in_forms

        require_storable_text_in_forms()
