from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "config.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from config.accounts.cache_table import create_cache_table
        from config.accounts.session_lifetime import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="peerpath.record_sign_in")
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="peerpath.cache_table")
