"""Re-apply the escalation rules when the facts they read change."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from attendance.models import AttendanceRecord


def _refresh_later(agent_id: int) -> None:
    from attendance.accountability import refresh_recommendations
    from cohorts.models import Agent

    def refresh():
        agent = Agent.objects.filter(pk=agent_id).first()
        if agent is not None:
            refresh_recommendations(agent)

    transaction.on_commit(refresh)


@receiver(post_save, sender=AttendanceRecord, dispatch_uid="attendance.rules.record")
def record_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(instance.agent_id)


def connect_tracker_signals() -> None:
    """Task statuses and exam attempts feed the rules too (overdue tasks, attempt limits)."""
    from certifications.models import ExamAttempt, TaskStatus

    for model in (TaskStatus, ExamAttempt):
        post_save.connect(
            lambda sender, instance, raw=False, **kw: None if raw else _refresh_later(instance.agent_id),
            sender=model,
            weak=False,
            dispatch_uid=f"attendance.rules.{model.__name__}",
        )
