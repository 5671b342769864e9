"""Everything the beat runs each minute. Each job claims what it does with a unique row
(EndOfDayCheck per cohort and day, Notice per message), so repeated or overlapping runs never
do a thing twice."""

import datetime
import logging

from django.utils import timezone

from attendance.accountability import close_lapsed_windows, remind_unacknowledged
from cohorts.services import refresh_cohort_statuses
from core.models import Heartbeat
from desk.endofday import escalate_open_items, run_end_of_day_checks
from notifications.digest import send_attendance_digest
from notifications.tasks import resend_stuck_notices

logger = logging.getLogger(__name__)


def run_scheduled_jobs(*, now: datetime.datetime | None = None) -> dict:
    """Everything the beat runs each minute; idempotent."""
    now = now or timezone.now()
    result = {
        "statuses_changed": refresh_cohort_statuses(),
        "end_of_day_checks": len(run_end_of_day_checks(now=now)),
        "pm_escalations": escalate_open_items(now=now),
        "digest_sent": send_attendance_digest(now=now) is not None,
        "notices_requeued": resend_stuck_notices(now=now),
        "cap_windows_closed": close_lapsed_windows(now=now),
        "cap_reminders": remind_unacknowledged(now=now),
    }
    Heartbeat.record("worker")  # the health check's sign that a worker runs the beat's jobs
    logger.info("Scheduled jobs ran: %s", ", ".join(f"{k}={v}" for k, v in result.items()))
    return result
