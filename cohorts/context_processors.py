from django.utils.functional import SimpleLazyObject

from cohorts.access import Role, can_create_cohort, is_admin, roles_of


def roles(request) -> dict:
    """Role flags for the navigation, computed only when a template reads them."""

    def flags() -> dict:
        user = request.user
        names = roles_of(user)
        return {
            "names": sorted(names),
            "admin": is_admin(user),
            "tl": Role.TL in names,
            "pm": Role.PM in names,
            "manager": Role.ESP_MANAGER in names,
            "wfm": Role.WFM in names,
            "can_create_cohort": can_create_cohort(user),
        }

    return {"esp_roles": SimpleLazyObject(flags)}
