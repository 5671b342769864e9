from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = "Day board, end of day and dashboards"

    def ready(self) -> None:
        from desk import receivers  # noqa: F401 - subscribes to the apps' events
