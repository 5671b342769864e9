import smtplib

from celery import shared_task

from cohorts.services import refresh_cohort_statuses


@shared_task
def refresh_cohort_statuses_task() -> int:
    return refresh_cohort_statuses()


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,
)
def deliver_notice_task(notice_id: int) -> bool:
    from esp.emails import deliver

    return deliver(notice_id)
