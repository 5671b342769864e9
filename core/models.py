from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """When a background part last showed it is alive ("beat": the scheduler sent its minute job;
    "worker": a worker finished it). The health check reads these."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, name: str) -> None:
        cls.objects.update_or_create(name=name, defaults={"at": timezone.now()})

    @classmethod
    def ages(cls) -> dict[str, float]:
        """Seconds since each part's last heartbeat."""
        now = timezone.now()
        return {h.name: (now - h.at).total_seconds() for h in cls.objects.all()}
