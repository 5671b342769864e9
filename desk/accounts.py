"""The account pages around Django's: a password reset that a locked-out user can use (its email
waits in the outbox when the mail server is away, and setting the new password lifts the lock),
and a password change whose old-password check is throttled like a login."""

from axes.utils import reset as reset_lockout
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notice
from notifications.outbox import absolute, notify


class ResetPasswordForm(PasswordResetForm):
    """Django's reset form, its email a notice in the outbox rather than an SMTP call in the
    request: a mail server that is away never fails the page, and the email goes when it is back."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        link = absolute(reverse("password_reset_confirm", args=[context["uid"], context["token"]]))
        notify(
            key=f"password-reset:{context['uid']}:{context['token']}",
            kind=Notice.Kind.PASSWORD_RESET,
            recipients=[to_email],
            template="password-reset",
            context={"user": context["user"], "link": link},
        )


class NewPasswordForm(SetPasswordForm):
    """Setting a new password through the reset link also lifts a lockout of the user name: the
    person who could read the reset email is the account's owner."""

    def save(self, commit=True):
        user = super().save(commit)
        reset_lockout(username=user.get_username())
        return user


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The old password is checked through authenticate(), so wrong guesses count towards the
    lockout like failed logins, and a locked account is refused (a stolen session cannot guess)."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.get_username(), password=old) is None:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")


def invite(person) -> None:
    """Email a new person the link to set their own password (the reset email, through the
    outbox): nobody ever types or sends them one."""
    uid, token = urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)
    notify(
        key=f"invitation:{uid}:{token}",
        kind=Notice.Kind.PASSWORD_RESET,
        recipients=[person.email],
        template="invitation",
        context={"user": person, "link": absolute(reverse("password_reset_confirm", args=[uid, token]))},
    )
