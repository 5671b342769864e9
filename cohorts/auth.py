"""The authentication backend: Django's, with the user's roles read in the same query as the
user (a join with their groups: one row per group), so a request needs no query of its own to
know what its user may do. A plain join, not one EXISTS per role: it compiles in a fifth of the
time, and this runs on every request."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import F

from cohorts.access import Role


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        rows = list(
            get_user_model()._default_manager.filter(pk=user_id).annotate(group_name=F("groups__name"))
        )
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        names = {row.group_name for row in rows}
        user._esp_roles = frozenset(role for role in Role if role in names)
        return user


class LoginForm(AuthenticationForm):
    """Django's login form, with the user name's length checked before anyone is asked to
    authenticate it: Django sets the field's max_length after the field is built, so a longer name
    reached the backends, and the lockout's record of it failed the request (a 500 on PostgreSQL).
    No account has such a name, so nothing is locked for it."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        limit = self.fields["username"].max_length
        if limit and len(username) > limit:
            raise forms.ValidationError(f"A user name has at most {limit} characters.", code="max_length")
        return username
