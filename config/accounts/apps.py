from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "config.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from config.accounts.session_lifetime import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="peerpath.record_sign_in")
