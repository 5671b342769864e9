from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"

    def ready(self) -> None:
        from certifications import caches

        caches.connect()
