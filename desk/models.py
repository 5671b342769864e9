from django.db import models
from django.utils import timezone

from cohorts.models import Cohort


class EndOfDayCheck(models.Model):
    """One cohort's end-of-day check of one day: made once, whoever runs it."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="end_of_day_checks")
    day = models.DateField()
    checked_at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(default=dict)
    open_count = models.PositiveIntegerField(default=0)
    pm_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "day"], name="one_end_of_day_check_per_cohort_day")
        ]

    def __str__(self) -> str:
        return f"End of day {self.day} for {self.cohort_id}"
