"""The escalation rules look again when the facts they read change, however the change arrived:
attendance (roll call, login report, reclassification), task statuses past their due day, exam
attempts. They run after the commit (in a Celery worker when one answers), once per agent, so a
save is never slowed or failed by them."""

from django.utils import timezone

from attendance.events import AppealDecided, AttendanceChanged
from attendance.tasks import refresh_recommendations_later
from certifications.events import ExamAttemptRecorded, TaskStatusChanged
from certifications.models import TaskState
from core.events import collect, receives


def _refresh(agent_ids) -> None:
    collect("attendance.rules", agent_ids, refresh_recommendations_later, order=60)


@receives(AttendanceChanged)
def attendance_changed(event: AttendanceChanged) -> None:
    if event.rule_facts_changed:
        _refresh(event.agent_ids)


@receives(TaskStatusChanged)
def task_status_changed(event: TaskStatusChanged) -> None:
    """Only a task past its due day is a fact of the rules (an overdue task)."""
    now, cohort = timezone.now(), event.agent.cohort
    if TaskState.OVERDUE in (
        event.task.state(event.old, cohort, now),
        event.task.state(event.new, cohort, now),
    ):
        _refresh([event.agent.pk])


@receives(ExamAttemptRecorded)
def attempt_recorded(event: ExamAttemptRecorded) -> None:
    if event.limit_reached or not event.attempt.passed:
        _refresh([event.attempt.agent_id])


@receives(AppealDecided)
def appeal_decided(event: AppealDecided) -> None:
    """A reduced or withdrawn CAP changes where the agent stands: the rules look again."""
    _refresh([event.action.agent_id])
