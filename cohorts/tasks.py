from celery import shared_task

from cohorts.services import refresh_cohort_statuses


@shared_task
def refresh_cohort_statuses_task() -> int:
    return refresh_cohort_statuses()
