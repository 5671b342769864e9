"""Settings for ESP Tracker, read from the environment (see .env.example and the README).

Defaults are safe for production (DEBUG off, secure cookies, a secret key required); `make run`
sets DJANGO_DEBUG=true for a local run on SQLite with a broker that needs no server.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for a local run).")
    SECRET_KEY = "local-development-only-not-secret"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "simple_history",
    "bootstrap",  # Bootstrap 5 static files (django-bootstrap-static)
    "core.apps.LoginThrottlingConfig",  # django-axes, its logs named apart in the admin
    "template_partials.apps.SimpleAppConfig",
    "core",
    "cohorts",
    "certifications",
    "attendance",
    "tickets",
    "notifications",
    "desk",
]

MIDDLEWARE = [
    "core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.DatabaseAwayMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.PrivateResponsesMiddleware",
    "core.middleware.TimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account before checking it
    "cohorts.auth.RoleBackend",  # Django's, with the user's roles read together with the user
]
# Login throttling: after this many failures the account is locked for the cool-off time.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# A user name is locked from the address that failed, not everywhere: nobody can lock a TL out
# from elsewhere, and made-up names from one address lock no one else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many proxies in front of the app append to X-Forwarded-For (the documented TLS proxy: 1).
# 0 (the default) ignores the header, which any client can send.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False

ROOT_URLCONF = "esp.urls"
WSGI_APPLICATION = "esp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # django-template-partials: "template.html#part" renders one {% partialdef %} (htmx swaps).
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cohorts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection is checked before a request uses it, so one the database dropped (a restart)
# is replaced instead of failing the request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker share the file: wait for a lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

# The rendered parts of the busiest pages (template fragment caching): each process's own memory unless
# CACHE_URL names a shared cache (redis://127.0.0.1:6379/1). Each entry carries the revisions of
# the cohorts it shows, so nothing written is ever hidden behind an older copy.
CACHE_URL = env("CACHE_URL", default="")
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Django's default of 300 entries in a process's memory holds less than one dashboard's facts
# (cohorts.facts: a few per agent in ESP): past it, every write evicts a third, and pages read
# again what they had.
# Pages cached whole are large (a dashboard of 50 cohorts is 300 KB): the memory is bounded by
# bytes too (core.cache.BoundedMemory).
CACHE_MAX_ENTRIES = env.int("CACHE_MAX_ENTRIES", default=20_000)
CACHE_MAX_BYTES = env.int("CACHE_MAX_MB", default=64) * 2**20
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Each process's memory in front of Redis (core/cache.py); with Redis away a read is a miss
    # and a write is skipped: pages render from the database.
    CACHES["default"]["BACKEND"] = "core.cache.NearRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            "NEAR_MAX_ENTRIES": CACHE_MAX_ENTRIES,
            "NEAR_MAX_BYTES": CACHE_MAX_BYTES,
        }
    )
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    CACHES["default"]["BACKEND"] = "core.cache.BoundedMemory"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"MAX_ENTRIES": CACHE_MAX_ENTRIES, "MAX_BYTES": CACHE_MAX_BYTES}
    )
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=6 * 60 * 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id at OWASP's recommended cost (core/hashers.py); hashes made before by PBKDF2 still check
# and are re-hashed at the next login.
PASSWORD_HASHERS = [
    "core.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # Storage and server time; every cohort has its own zone for "today".
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploads (proof screenshots) live under MEDIA_ROOT, which no URL serves: the app streams each file
# after checking access. With a bucket set they go to S3-compatible storage, private, through
# signed short-lived URLs never shown to users (the app still streams them).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_DEFAULT_ACL = "private"
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads (roster files, later proof screenshots) are read in memory up to this size.
ROSTER_UPLOAD_MAX_BYTES = env.int("ROSTER_UPLOAD_MAX_BYTES", default=2 * 1024 * 1024)
PROOF_UPLOAD_MAX_BYTES = env.int("PROOF_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# A proof larger than this is not attached to the proof form's email (its link opens it).
EMAIL_ATTACHMENT_MAX_BYTES = env.int("EMAIL_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
# A table upload (roster, login report) is refused beyond these, before it can hold a worker: a
# cohort's roster is tens of rows, a login report for a few weeks some hundreds.
# The WFM page: the range it shows when none is chosen, and the longest it shows at once.
WFM_DEFAULT_DAYS = env.int("WFM_DEFAULT_DAYS", default=14)
WFM_MAX_DAYS = env.int("WFM_MAX_DAYS", default=366)
TABLE_MAX_ROWS = env.int("TABLE_MAX_ROWS", default=5000)
TABLE_MAX_COLUMNS = env.int("TABLE_MAX_COLUMNS", default=50)
TABLE_MAX_UNCOMPRESSED_BYTES = env.int("TABLE_MAX_UNCOMPRESSED_BYTES", default=20 * 1024 * 1024)
TABLE_READ_SECONDS = env.float("TABLE_READ_SECONDS", default=5.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Email: the console in a local run unless EMAIL_BACKEND says otherwise; SMTP in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.filebased.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ESP Tracker <esp-tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; a broker in local files when CELERY_BROKER_URL is not set, so
# `make run` needs no server and its scheduled jobs still run.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# Priorities on Redis (0 first; routine work is 5): urgent notices (red flags, terms, "tell the
# PM now") go ahead of routine work queued before them.
REDIS_PRIORITIES = {"priority_steps": list(range(10)), "sep": ":", "queue_order_strategy": "priority"}
# The health check calls beat or the worker stale when their last minute job is older than this.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    for _folder in (_broker_dir, VAR_DIR / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
        "polling_interval": 0.2,  # the worker looks for new messages five times a second
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_PRIORITIES
CELERY_TASK_DEFAULT_PRIORITY = 5
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Each minute: cohort statuses, end-of-day checks of cohorts whose end of day has passed in
    # their own zone, PM escalations, the WFM digest once its time has passed, stuck notices.
    # Every job claims its work, so the minute cadence never repeats anything.
    "run-scheduled-jobs": {
        "task": "desk.tasks.run_scheduled_jobs_task",
        "schedule": crontab(minute="*"),
    },
}

# Security: secure by default, relaxed only for a local DEBUG run over plain HTTP.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)  # a working day, then log in again
SESSION_SAVE_EVERY_REQUEST = False
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP inside the host
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Why a record changed is kept whole in its history ("No longer ready: …", a carried-over task's
# reason): a text field, not django-simple-history's default of 100 characters, which failed the
# save on PostgreSQL when a reason was longer.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The same red flag (agent, category, details) raised again within this time is the first one,
# retried (after an error, a double click): it is not raised or emailed twice.
RED_FLAG_REPEAT_WINDOW = datetime.timedelta(minutes=env.int("RED_FLAG_REPEAT_MINUTES", default=10))

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap's icons are data: SVGs
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # weasyprint narrates every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
