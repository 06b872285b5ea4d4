from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.accounts.tasks import clear_expired_sessions
from config.settings.base import CELERY_BEAT_SCHEDULE

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_cleared_and_live_ones_kept():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(1))
    clear_expired_sessions.delay()
    clear_expired_sessions.delay()  # a repeat run is harmless
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_every_scheduled_task_exists():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
