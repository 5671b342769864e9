from celery import shared_task

from attendance.accountability import refresh_cohort, refresh_recommendations
from cohorts.models import Cohort
from core.events import queue_after_commit


@shared_task
def refresh_recommendations_task(agent_ids: list[int]) -> int:
    """Apply the escalation rules to these agents."""
    return len(refresh_recommendations(agent_ids))


def refresh_recommendations_later(agent_ids) -> None:
    """Once the transaction commits, have a worker apply the rules; without a broker, apply them
    here (a failure is logged: the end-of-day job applies them again)."""
    queue_after_commit(refresh_recommendations_task, sorted(agent_ids))


@shared_task
def refresh_cohort_rules_task(cohort_id: int) -> int:
    """Apply the escalation rules to a cohort's agents (time passing makes tasks overdue)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    return refresh_cohort(cohort) if cohort else 0


def refresh_cohort_rules_later(cohort_id: int) -> None:
    queue_after_commit(refresh_cohort_rules_task, cohort_id)
