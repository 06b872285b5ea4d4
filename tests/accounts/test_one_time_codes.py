"""A one-time code from an authenticator app works once, whichever worker process checks
it: the used codes are kept in a cache every worker shares (config/settings/base.py,
CACHES), Redis or the database's cache table.

Each "worker" here is a fresh Python process with the settings a laptop or server runs
(config.settings.local), so it has its own memory; only a shared cache can tell the second
one that the code was already used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection

from programs.models import Role

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_DB = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

WORKER = """
import sys, django
django.setup()
import time_machine
from allauth.mfa.models import Authenticator
user_id, code, at = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
with time_machine.travel(at, tick=False):
    totp = Authenticator.objects.get(user_id=user_id, type=Authenticator.Type.TOTP)
    print("accepted" if totp.wrap().validate_code(code) else "refused")
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(settings, redis_url: str | None, user_id: int, code: str, at: float) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        **({"REDIS_URL": redis_url} if redis_url else {}),
    }
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(user_id), code, str(at)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)  # the workers read what this test committed
@pytest.mark.parametrize("redis_url", [None, REDIS_DB], ids=["database cache", "redis"])
def test_a_code_used_in_one_worker_is_refused_in_another(org, member_of, settings, redis_url):
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR)
    user_id = supervisor.user.pk
    # One instant for both workers, 5 s into a 30-second step, so both check the same code.
    at = (int(time.time()) // 30) * 30 + 5.0
    code = format_hotp_value(hotp_value(supervisor.totp_secret, int(at) // 30))
    if redis_url is None:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "peerpath_cache",
            }
        }
        call_command("createcachetable", verbosity=0)  # what migrate does (cache_table.py)
    totp = Authenticator.objects.get(user_id=user_id, type=Authenticator.Type.TOTP)
    key = TOTP(totp)._get_used_cache_key(code)
    # the next step's code is taken: the refusal was for reuse, not a bad code
    later = at + 30
    next_code = format_hotp_value(hotp_value(supervisor.totp_secret, int(later) // 30))
    try:
        assert _worker(settings, redis_url, user_id, code, at) == "accepted"
        assert _worker(settings, redis_url, user_id, code, at) == "refused"
        assert _worker(settings, redis_url, user_id, next_code, later) == "accepted"
        if redis_url is None:
            with connection.cursor() as cursor:  # the used code is a row all workers read
                cursor.execute(
                    "SELECT count(*) FROM peerpath_cache WHERE cache_key LIKE %s", [f"%{key}"]
                )
                assert cursor.fetchone()[0] == 1
    finally:
        if redis_url is None:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS peerpath_cache")
        else:
            shared = RedisCache(redis_url, {})
            shared.delete_many([key, TOTP(totp)._get_used_cache_key(next_code)])
