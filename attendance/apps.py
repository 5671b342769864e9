from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance and accountability"

    def ready(self) -> None:
        from attendance import signals

        signals.connect_tracker_signals()
