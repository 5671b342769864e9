from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared plumbing"


class LoginThrottlingConfig(AxesAppConfig):
    """django-axes, named for what its logs are: kept apart from the ESP data in the admin."""

    verbose_name = "Login throttling (logs)"
