"""What the cohorts app tells the apps above it."""

import datetime
from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class AgentStatusChanged(Event):
    """An agent became ready, went back into ESP, moved to production, was terminated..."""

    agent: object  # cohorts.models.Agent, with its cohort loaded
    old: str
    new: str
    reason: str = ""
    by: object = None


@dataclass(frozen=True)
class DaySignedOff(Event):
    cohort: object
    day: datetime.date
    by: object
