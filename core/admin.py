"""What every app's admin shares."""


class KeepsHistory:
    """Admin mixin: a record that history, reports or other records depend on is never deleted
    in the admin; it is voided, deactivated, or followed by a new version instead."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(KeepsHistory):
    """Admin mixin: a record made only by the app (a log, a published version) is read here, never
    added or changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
