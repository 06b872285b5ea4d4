"""Settings for the test suite. DATABASE_URL and CELERY_BROKER_URL, when set, are honoured."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-key-not-secret")
DEMO_MODE = False  # tests that need the demo switch it on
# The published demo values (README), for tests that run the demo.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPPEERPATHDEMO2345"  # noqa: S105
DEMO_PASSWORD = "peerpath-demo"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Ordinary tests run tasks in-process; the broker test switches this off and starts a worker.
CELERY_TASK_ALWAYS_EAGER = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
