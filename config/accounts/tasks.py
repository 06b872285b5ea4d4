"""Platform housekeeping."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="accounts.clear_expired_sessions", acks_late=True)
def clear_expired_sessions() -> None:
    """Delete sessions past their expiry, so stale sign-ins do not linger in the database.
    Running it twice is harmless: the second run finds nothing to delete."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
