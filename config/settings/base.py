"""Settings shared by every environment. Every value comes from the environment through `env`.

With no variables set the app runs on the embedded default: a SQLite file, Celery tasks run
in-process, e-mail printed to the console.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab

# Lets generic classes such as ModelForm[Program] be written in annotations at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    # first: its ready() makes every form's text fields refuse what cannot be stored
    "config",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "csp",
    # ours
    "config.accounts",
    "programs",
    "certification",
    "supervision",
    "encounters",
    "encounters.reporting",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "programs.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files come compressed from WhiteNoise above, never here).
    # BREACH: Django masks the CSRF token afresh in every response and this middleware pads
    # each gzip stream with random bytes; see tests/test_cache_control.py.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.cache_control.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.accounts.session_lifetime.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "programs.middleware.ActiveMembershipMiddleware",
    "programs.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "programs.context_processors.membership",
                "programs.context_processors.demo",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Used one-time codes and the sign-in lockout counters live in the cache, so every worker
# must see the same one (a per-process memory cache would let a code be used once per
# worker): Redis when there is one, else a table in the database, which the migrate command
# creates (config/accounts/cache_table.py). Never the Celery broker's Redis database, which
# a cache clear would empty.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "peerpath_cache",
            # Django's default (300 rows, then a third deleted) would drop used codes and
            # lockout counters before they expire on a busy day.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "programs.adapters.InviteOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are proven by the invitation link itself
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Sign-in protections (README "Sign-in protections"; config/accounts/lockout.py):
# - LOGIN_FAILURE_LIMIT wrong passwords for one address from one client address within
#   LOGIN_LOCKOUT_SECONDS lock that pair: even the right password is refused from there;
# - from all client addresses together, one address may take LOGIN_ADDRESS_FAILURE_LIMIT
#   wrong passwords per LOGIN_ADDRESS_WINDOW_SECONDS; past that an unknown browser waits
#   (at most the window), a browser where the person has signed in before does not;
# - one client address may fail 20 sign-ins a minute over all addresses.
# allauth keeps the counters in the cache, which every worker shares (see CACHES above).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_WINDOW_SECONDS = env.int("LOGIN_ADDRESS_WINDOW_SECONDS", default=10 * 60)
LOGIN_KNOWN_DEVICE_DAYS = env.int("LOGIN_KNOWN_DEVICE_DAYS", default=90)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": f"20/m/ip,{LOGIN_FAILURE_LIMIT}/{LOGIN_LOCKOUT_SECONDS}s/key",
    "login_failed_address": f"{LOGIN_ADDRESS_FAILURE_LIMIT}/{LOGIN_ADDRESS_WINDOW_SECONDS}s/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PeerPath] "
# Behind a reverse proxy, the client's address comes from X-Forwarded-For: say how many
# proxies to trust (or which header carries the address), or every visitor shares the
# proxy's address in rate limits and the audit log.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default=None)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="PeerPath")
# Roles that must enrol a second factor before they reach anything else.
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES", default=["org_admin", "program_manager", "clinical_supervisor"]
)

INVITATION_VALID_FOR = timedelta(days=env.int("INVITATION_VALID_DAYS", default=7))

# Health information: a sign-in ends after an hour without activity, and with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # each request restarts the idle clock
# However busy, a sign-in ends this long after it began (config/accounts/session_lifetime.py).
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Demo ---------------------------------------------------------------------------------
# DEMO_MODE shows the demo logins and the current demo second-factor code on the login pages.
# Production refuses to start with it on.
# The demo's shared password and authenticator secret are public (README), so they exist
# only where DEMO_MODE is on; seed_demo refuses to run anywhere else.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
DEMO_TOTP_SECRET = ""
DEMO_PASSWORD = ""

# --- Front end ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Uploaded evidence and certificates: no URL at all; served only by access-checked views.
# Kept apart from MEDIA_ROOT so that no web server mapping of /media/ can ever expose them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "programs.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads (programs/uploads.py): the largest certificate, evidence or agreement taken.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The largest request body of any kind, refused before it is read
# (programs.middleware.RequestSizeMiddleware). Above every file cap (uploads 10 MB, imports
# 20 MB) with room for the form around the file; gunicorn cannot cap a body itself.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=25 * 1024 * 1024)
# Django's own limits, at their defaults but written down: the fields of a form other than
# its files (2.5 MB), and the size above which an upload goes to a temporary file on disk
# instead of memory, so a large upload does not fill a worker's memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Strict policy: every script and style is served by the app itself; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Time and language --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/Denver")
USE_I18N = True
USE_TZ = True

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PeerPath <no-reply@peerpath.invalid>")

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# No broker configured: run tasks in-process so a new user needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat reads its schedule from the database (django-celery-beat) so admins can see and
# adjust it, and later features (scheduled funder reports) can add entries per organization.
# The defaults below are written into that table when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "clear-expired-sessions": {"task": "accounts.clear_expired_sessions", "schedule": 60 * 60},
    # Daily: runs early morning so reminders arrive with the working day.
    "certification-daily": {
        "task": "certification.daily",
        "schedule": crontab(hour=6, minute=15),
    },
    # Daily: in a month's last week, warn of supervision still owed (once per month).
    "supervision-daily": {
        "task": "supervision.daily",
        "schedule": crontab(hour=6, minute=30),
    },
    # Daily: settle the enrolments of sessions that ended (completed, failed, incomplete).
    "training-daily": {
        "task": "training.daily",
        "schedule": crontab(hour=5, minute=45),
    },
    "report-schedules": {"task": "reports.schedules", "schedule": crontab(hour=7, minute=0)},
    # Daily: delete uploaded import files past IMPORT_KEEP_DAYS; end imports that lost their worker.
    "imports-daily": {"task": "programs.imports_daily", "schedule": crontab(hour=3, minute=20)},
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every PDF at INFO; keep its warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Absolute links in e-mails (invitations, reminders) start with this.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
MFA_ADAPTER = "programs.adapters.RequiredMFAAdapter"

# --- Certification rules (Montana Board of Behavioral Health defaults; other states differ) ---
CEU_HOURS_PER_YEAR = Decimal(env.str("CEU_HOURS_PER_YEAR", default="20"))
CEU_CARRY_OVER_CAP = Decimal(env.str("CEU_CARRY_OVER_CAP", default="20"))
CERTIFICATION_RENEWAL_FEE = Decimal(env.str("CERTIFICATION_RENEWAL_FEE", default="93.00"))
# Reminders before a certification expires, in days.
CERTIFICATION_RENEWAL_REMINDER_DAYS = env.list(
    "CERTIFICATION_RENEWAL_REMINDER_DAYS", cast=int, default=[60, 30, 7]
)
# Months (1-12) on whose first day a peer still short of CEUs is escalated to the manager.
CEU_ESCALATION_MONTHS = env.list("CEU_ESCALATION_MONTHS", cast=int, default=[10, 12])

# --- Program planning -----------------------------------------------------------------------
READINESS_THRESHOLD_PERCENT = env.int("READINESS_THRESHOLD_PERCENT", default=80)
READINESS_PLAN_DAYS = env.int("READINESS_PLAN_DAYS", default=365)
# Budget warnings: the regional average peer wage (Montana, 2022 guide) and how soon a
# grant's end is worth a warning.
REGIONAL_AVERAGE_PEER_WAGE = Decimal(env.str("REGIONAL_AVERAGE_PEER_WAGE", default="17.00"))
GRANT_ENDING_WARNING_DAYS = env.int("GRANT_ENDING_WARNING_DAYS", default=183)

# --- Encounters and the survey --------------------------------------------------------------
# How many days after an encounter its peer may still correct it (managers always can).
ENCOUNTER_CORRECTION_DAYS = env.int("ENCOUNTER_CORRECTION_DAYS", default=14)
# A survey link sent to a person works this long, once.
SURVEY_LINK_HOURS = env.int("SURVEY_LINK_HOURS", default=72)
# Survey figures over fewer answers than this are not shown, so none can be traced to one
# person.
SURVEY_MIN_RESPONSES = env.int("SURVEY_MIN_RESPONSES", default=5)

# --- Clinical supervision -------------------------------------------------------------------
# Minutes of clinical supervision owed for each hour worked (1 hour per 20 hours = 3).
SUPERVISION_MINUTES_PER_HOUR_WORKED = Decimal(
    env.str("SUPERVISION_MINUTES_PER_HOUR_WORKED", default="3")
)
# A supervisor may supervise peers this many years after licensure, or with this many
# clinical-supervision CEU hours.
SUPERVISOR_YEARS_LICENSED = env.int("SUPERVISOR_YEARS_LICENSED", default=3)
SUPERVISOR_CEU_HOURS = Decimal(env.str("SUPERVISOR_CEU_HOURS", default="20"))
# An unsigned log older than this many days shows as overdue to its supervisor.
SUPERVISION_SIGN_DAYS = env.int("SUPERVISION_SIGN_DAYS", default=7)
# Supervision logs are kept (never deleted) for this many years.
SUPERVISION_RETENTION_YEARS = env.int("SUPERVISION_RETENTION_YEARS", default=7)
# Days before a month's end from which a short month is warned about (once a month).
SUPERVISION_WARNING_DAYS = env.int("SUPERVISION_WARNING_DAYS", default=7)

# --- Imports (the Import page) --------------------------------------------------------------
# A confirmed file with more rows than this is imported by a background task with a progress
# bar; a smaller one while the page waits.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=500)
# Uploaded files are kept this many days (to look at again), then deleted; the history stays.
IMPORT_KEEP_DAYS = env.int("IMPORT_KEEP_DAYS", default=30)
# An import still waiting or running after this many hours has lost its worker: it is ended
# as not imported (its transaction wrote nothing) so the page stops waiting.
IMPORT_STALE_HOURS = env.int("IMPORT_STALE_HOURS", default=6)
# Limits checked before a file is read (programs.imports), for the page and the commands:
# its size, its rows, and for an Excel workbook the size its parts declare once unpacked
# (so a zip bomb is refused without being unpacked).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024)
