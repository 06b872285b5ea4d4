"""Settings by environment: the embedded default needs nothing; production refuses to start
unsafe and passes Django's deployment checks. Each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-9f8e7d6c5b4a39281706f5e4d3c2b1a0-strong"
CONFIG_VARS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "EMAIL_URL",
    "DEBUG",
    "SECRET_KEY",
    "DEMO_MODE",
    "CELERY_TASK_ALWAYS_EAGER",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in this process
)

PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_eager": app.conf.task_always_eager,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "demo": settings.DEMO_MODE,
}))
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(**env: str) -> dict[str, object]:
    result = _run(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_with_nothing_set_the_app_runs_embedded():
    found = _probe(DJANGO_SETTINGS_MODULE="config.settings.local")
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["eager"] is True and found["celery_eager"] is True
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"
    assert found["debug"] is True and found["demo"] is True


def test_with_a_database_and_broker_set_it_uses_them():
    found = _probe(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="postgres://peer:pw@db.internal:5432/peerpath",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mailer.internal:25",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["broker"] == "redis://cache.internal:6379/0"
    assert found["eager"] is False and found["celery_eager"] is False
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"


def _deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "peerpath.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        "EMAIL_URL": "smtp+tls://mailer.internal:587",
        "REDIS_URL": "redis://cache.internal:6379/0",
    }
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **{**base, **env})


def test_production_passes_the_deployment_checks():
    result = _deploy_check(SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-local-development-key-never-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": STRONG_KEY, "DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": STRONG_KEY, "DEMO_MODE": "true"}, "DEMO_MODE"),
        ({"SECRET_KEY": STRONG_KEY, "EMAIL_URL": "consolemail://"}, "EMAIL_URL"),
        ({"SECRET_KEY": STRONG_KEY, "REDIS_URL": ""}, "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_unsafe(env, message):
    result = _deploy_check(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_has_no_demo_password_or_secret_and_seed_demo_refuses():
    result = _run(
        ["manage.py", "seed_demo"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="x.example.org",
        DATABASE_URL="sqlite:///:memory:",
        EMAIL_URL="smtp://mailer.internal:25",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert result.returncode != 0
    assert "runs only with DEMO_MODE on" in result.stderr


# --- one cache for every worker -------------------------------------------------------------

CACHE_PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps(settings.CACHES["default"]))
"""


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DJANGO_SETTINGS_MODULE": "config.settings.local"}, "db.DatabaseCache"),
        (
            {"DJANGO_SETTINGS_MODULE": "config.settings.local", "REDIS_URL": "redis://c:6379/0"},
            "redis.RedisCache",
        ),
        (
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "SECRET_KEY": STRONG_KEY,
                "EMAIL_URL": "smtp://mailer.internal:25",
                "REDIS_URL": "redis://c:6379/0",
            },
            "redis.RedisCache",
        ),
    ],
)
def test_every_configuration_that_runs_workers_shares_one_cache(env, backend):
    """Used one-time codes and lockout counters are in the cache: a memory cache per worker
    process would let a code be used once in each (gunicorn runs several)."""
    result = _run(["-c", CACHE_PROBE], **env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["BACKEND"] == f"django.core.cache.backends.{backend}"


def test_migrate_makes_the_database_caches_table(tmp_path):
    """scripts/start runs only `migrate`; the cache table must come with it."""
    import sqlite3

    db = tmp_path / "fresh.sqlite3"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": f"sqlite:///{db}"}
    result = _run(["manage.py", "migrate", "--no-input", "-v", "0"], **env)
    assert result.returncode == 0, result.stderr
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "peerpath_cache" in tables
