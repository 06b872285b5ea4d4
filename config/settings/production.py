"""Production: every secret from the environment; refuses to start unsafe."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

KNOWN_INSECURE_KEYS = {
    "",
    "insecure-local-development-key-never-use-in-production",
    "test-key-not-secret",
    "change-me",
}

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")  # no default: a missing key stops the start
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if SECRET_KEY in KNOWN_INSECURE_KEYS or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY is a default or too short; set a long random one.")
if env.bool("DEMO_MODE", default=False):
    raise ImproperlyConfigured("DEMO_MODE shows second-factor codes; it cannot run in production.")
DEMO_MODE = False

# Invitation and password-reset links must not land in logs, and the lockout counters and
# used one-time codes must be shared by every worker: both need real services.
if EMAIL_CONFIG["EMAIL_BACKEND"].rsplit(".", 2)[-2] in {"console", "locmem", "dummy", "filebased"}:  # noqa: F405
    raise ImproperlyConfigured("Set EMAIL_URL to a real mail server (smtp://...) in production.")
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("Set REDIS_URL in production: rate limits need a shared cache.")

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
# Container health checks call the app on its loopback address.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost"]  # noqa: F405
