"""What the tracker tells the apps above it: tickets draft forms, the escalation rules look
again, readiness is recomputed, notices go out."""

import datetime
from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class TaskStatusChanged(Event):
    agent: object  # cohorts.models.Agent, with its cohort loaded
    task: object  # certifications.models.Task
    old: str
    new: str
    by: object = None


@dataclass(frozen=True)
class ExamAttemptRecorded(Event):
    attempt: object  # certifications.models.ExamAttempt, with agent (and cohort) and task
    failed: int  # failed attempts of this exam so far, this one included
    limit_reached: bool


@dataclass(frozen=True)
class ProofUploaded(Event):
    proof: object


@dataclass(frozen=True)
class ProofReviewed(Event):
    proof: object
    verified: bool


@dataclass(frozen=True)
class NoteSaved(Event):
    agent: object
    day: datetime.date


@dataclass(frozen=True)
class RedFlagRaised(Event):
    flag: object


@dataclass(frozen=True)
class RedFlagResolved(Event):
    flag: object


@dataclass(frozen=True)
class TasksCarriedOver(Event):
    agent: object
    day: datetime.date
    cells: tuple  # certifications.models.TaskStatus rows carried over


@dataclass(frozen=True)
class HandoffRecorded(Event):
    handoff: object
