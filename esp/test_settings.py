"""Settings for the test suite: the real settings with a fast hasher and local mail."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="esp-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="esp-test-static-")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_SSL_REDIRECT = False
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {**LOGGING, "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}}}  # noqa: F405
