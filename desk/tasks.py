import datetime

from celery import shared_task

from desk.jobs import run_scheduled_jobs


@shared_task
def run_scheduled_jobs_task(now: str | None = None) -> dict:
    """The beat's job each minute: statuses, end-of-day checks, escalations, digest, resends.

    `now` (ISO 8601 with offset) runs the jobs as of that moment, for replays and tests.
    """
    return run_scheduled_jobs(now=datetime.datetime.fromisoformat(now) if now else None)
