import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_send_a_content_security_policy(client, tl1):
    client.force_login(tl1)
    policy = client.get(reverse("cohorts:list"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy


def test_pages_have_no_inline_scripts_or_handlers(client, tl1, agent1):
    client.force_login(tl1)
    for url in (reverse("desk:cohort", args=[agent1.cohort.pk]), agent1.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>" not in html and "onclick=" not in html and ' style="' not in html


def test_an_account_is_locked_after_repeated_failed_logins(client, tl1):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "tl1", "password": "wrong"})
    response = client.post(url, {"username": "tl1", "password": "pw"})  # the right password, too late
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, tl1):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "tl1", "password": "wrong"})
    assert client.post(url, {"username": "tl1", "password": "pw"}).status_code == 302


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="esp.settings",
        DJANGO_SECRET_KEY="a-production-like-secret-key-of-sufficient-length-0123456789-abcdefghij",
        DJANGO_ALLOWED_HOSTS="esp.example.com",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_secure_by_default():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_AGE, s.STORAGES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "False", "True", "True", "True", "31536000", "43200", "django.core.files.storage.FileSystemStorage",
    ]  # fmt: skip


def test_a_bucket_puts_uploads_on_s3_compatible_storage_privately():
    code = (
        "from django.conf import settings as s;"
        "print(s.STORAGES['default']['BACKEND'], s.AWS_DEFAULT_ACL, s.AWS_QUERYSTRING_AUTH)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=production_env(AWS_STORAGE_BUCKET_NAME="esp-proof"),
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "private", "True"]


def test_a_secret_key_is_required_in_production():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


def test_uploads_are_not_under_a_public_path(client):
    assert (
        not settings.MEDIA_URL or client.get(f"/{settings.MEDIA_URL.strip('/')}/proof/x").status_code == 404
    )
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
