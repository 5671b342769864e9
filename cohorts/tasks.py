import smtplib

from celery import shared_task


@shared_task
def run_scheduled_jobs_task(now: str | None = None) -> dict:
    """The beat's job each minute: statuses, end-of-day checks, escalations, digest, resends.

    `now` (ISO 8601 with offset) runs the jobs as of that moment, for replays and tests.
    """
    import datetime

    from esp.scheduled import run_scheduled_jobs

    return run_scheduled_jobs(now=datetime.datetime.fromisoformat(now) if now else None)


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=False,
    max_retries=15,
)
def deliver_notice_task(notice_id: int) -> bool:
    from esp.emails import deliver

    return deliver(notice_id)


@shared_task
def refresh_recommendations_task(cohort_id: int) -> int:
    """Apply the escalation rules to a cohort's agents (time passing makes tasks overdue)."""
    from attendance.accountability import HELD, refresh_recommendations
    from cohorts.models import Agent

    made = 0
    for agent in Agent.objects.filter(cohort_id=cohort_id, status__in=HELD):
        made += len(refresh_recommendations(agent))
    return made
