from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts and agents"

    def ready(self) -> None:
        from cohorts import revision

        revision.connect()
