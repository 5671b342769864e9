"""The authentication backend: Django's, with the user's roles read in the same query as the
user, so a request needs no query of its own to know what its user may do."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from cohorts.access import Role


def _flag(role: Role) -> str:
    return "has_role_" + role.name.lower()


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        annotations = {
            _flag(role): Exists(Group.objects.filter(user=OuterRef("pk"), name=role)) for role in Role
        }
        user = User._default_manager.filter(pk=user_id).annotate(**annotations).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        user._esp_roles = frozenset(role for role in Role if getattr(user, _flag(role)))
        return user
