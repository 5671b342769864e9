from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notices and email"

    def ready(self) -> None:
        from notifications import receivers  # noqa: F401 - subscribes to the apps' events
