"""The Celery path, end to end, against the real broker when one is configured.

In CI a broker is always configured; a missing one fails this test instead of skipping it.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from config.celery import app, ping

BROKER = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")


def test_ci_runs_on_postgresql_and_redis():
    if not os.environ.get("CI"):
        pytest.skip("only CI promises the real services")
    from django.db import connection

    assert connection.vendor == "postgresql", "CI must run the suite on PostgreSQL"
    assert BROKER and BROKER.startswith("redis://"), "CI must give the suite a Redis broker"


def test_the_health_task_runs_in_process_without_a_broker():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.broker
def test_a_worker_answers_the_health_task_through_the_broker():
    if not BROKER:
        if os.environ.get("CI"):
            pytest.fail("CI must provide CELERY_BROKER_URL; the broker path cannot be skipped")
        pytest.skip("no broker configured (set CELERY_BROKER_URL to run this)")
    from celery.contrib.testing.worker import start_worker

    app.conf.update(task_always_eager=False, broker_url=BROKER, result_backend=BROKER)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = ping.delay()
            assert result.get(timeout=20) == "pong"
            assert result.successful()
    finally:
        app.conf.update(task_always_eager=True)
