"""The Celery application, configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("peerpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="peerpath.ping", acks_late=True)
def ping() -> str:
    """Prove the path web -> broker -> worker -> result backend; touches no data."""
    return "pong"
