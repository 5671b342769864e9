from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.core.signals import request_finished, request_started

from core.events import hold_until_answered, run_after_answer


class CoreConfig(AppConfig):
    default = True  # "core" in INSTALLED_APPS: this module holds another app's config too
    name = "core"
    verbose_name = "Shared plumbing"

    def ready(self) -> None:
        request_started.connect(hold_until_answered, dispatch_uid="core.events.hold_until_answered")
        request_finished.connect(run_after_answer, dispatch_uid="core.events.run_after_answer")


class LoginThrottlingConfig(AxesAppConfig):
    """django-axes, named for what its logs are: kept apart from the ESP data in the admin."""

    verbose_name = "Login throttling (logs)"
