"""Findings 6 and 11 of the hardening issue, their last parts: a locked-out user can still reset
their password (and the new password lifts the lock), and the old-password check of a password
change is throttled like a login, so a stolen session cannot guess the password."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from notifications.models import Notice

pytestmark = pytest.mark.django_db

DESK = "203.0.113.7"


def login(client, password, username="tl1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=DESK)


@pytest.fixture
def locked_tl(client, tl1):
    tl1.email = "tl1@example.com"
    tl1.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")
    assert login(client, "pw").status_code == 429  # locked, even with the right password
    return tl1


def test_a_locked_user_resets_their_password_and_is_in_again(
    client, locked_tl, django_capture_on_commit_callbacks
):
    locked = client.get(reverse("login"), REMOTE_ADDR=DESK)
    assert reverse("password_reset") in locked.content.decode()  # the login page offers it
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("password_reset"), {"email": "TL1@example.com"}, REMOTE_ADDR=DESK)
    assert sent.status_code == 302 and sent.url == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["tl1@example.com"] and message.subject == "Your ESP Tracker password reset link"
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)
    form = client.get(link, REMOTE_ADDR=DESK, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a brand new pass phrase"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, REMOTE_ADDR=DESK
    )
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert login(client, new).status_code == 302  # unlocked, from the address that was locked


def test_a_reset_asked_while_mail_is_away_waits_in_the_outbox(client, locked_tl, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    response = client.post(reverse("password_reset"), {"email": "tl1@example.com"}, REMOTE_ADDR=DESK)
    assert response.status_code == 302
    notice = Notice.objects.get(kind=Notice.Kind.PASSWORD_RESET)
    assert notice.sent_at is None and notice.recipients == ["tl1@example.com"]


def test_an_unknown_address_is_told_the_same_and_sends_nothing(client, tl1):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and not Notice.objects.exists()


def test_guessing_the_old_password_in_a_password_change_locks_like_a_login(client, tl1):
    client.force_login(tl1)
    url = reverse("password_change")
    new = {"new_password1": "a brand new pass phrase", "new_password2": "a brand new pass phrase"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"old_password": "guess", **new}, REMOTE_ADDR=DESK)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    assert client.post(url, {"old_password": "guess", **new}, REMOTE_ADDR=DESK).status_code == 429
    response = client.post(url, {"old_password": "pw", **new}, REMOTE_ADDR=DESK)
    assert response.status_code == 429  # locked: even the right old password is refused now
    tl1.refresh_from_db()
    assert tl1.check_password("pw")


def test_the_right_old_password_changes_it(client, tl1):
    client.force_login(tl1)
    new = "a brand new pass phrase"
    data = {"old_password": "pw", "new_password1": new, "new_password2": new}
    response = client.post(reverse("password_change"), data, REMOTE_ADDR=DESK)
    assert response.status_code == 302
    tl1.refresh_from_db()
    assert tl1.check_password(new)
