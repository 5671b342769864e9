from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance and accountability"

    def ready(self) -> None:
        from attendance import receivers  # noqa: F401 - subscribes the rules to the apps' events
