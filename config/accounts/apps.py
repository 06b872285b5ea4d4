from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "config.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from config.accounts import signals  # noqa: F401
