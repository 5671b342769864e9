import datetime
import logging

from celery import shared_task
from celery.signals import before_task_publish

from core.models import Heartbeat
from desk.jobs import run_scheduled_jobs

logger = logging.getLogger(__name__)


@shared_task
def run_scheduled_jobs_task(now: str | None = None) -> dict:
    """The beat's job each minute: statuses, end-of-day checks, escalations, digest, resends.

    `now` (ISO 8601 with offset) runs the jobs as of that moment, for replays and tests.
    """
    return run_scheduled_jobs(now=datetime.datetime.fromisoformat(now) if now else None)


SCHEDULED_JOBS = run_scheduled_jobs_task.name


@before_task_publish.connect(sender=SCHEDULED_JOBS, dispatch_uid="desk.beat_heartbeat")
def beat_heartbeat(sender=None, **kwargs) -> None:
    """Beat sending the minute job is its tick: the health check's "beat" heartbeat. A failure
    here is logged; it never stops the job from being sent."""
    try:
        Heartbeat.record("beat")
    except Exception:
        logger.warning("Could not record beat's heartbeat", exc_info=True)
