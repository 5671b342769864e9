"""What attendance and accountability tell the apps above them."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class AttendanceChanged(Event):
    """Attendance records were written: by the roll call, an import, or a reclassification.

    One event for a whole bulk write, with every agent in it, so the rules look at each once."""

    agent_ids: frozenset
    source: str  # "roll call", "login report", "reclassification", ...
    # Whether what the escalation rules read of the records (AttendanceRecord.rule_facts) may
    # have changed: a time corrected within the same class, say, changes nothing they read.
    rule_facts_changed: bool = True


@dataclass(frozen=True)
class CorrectiveActionIssued(Event):
    action: object  # attendance.models.CorrectiveAction, with agent (and cohort) and level


@dataclass(frozen=True)
class ApprovalRequested(Event):
    action: object


@dataclass(frozen=True)
class TermIssued(Event):
    action: object


@dataclass(frozen=True)
class AgentIssueReported(Event):
    issue: object


@dataclass(frozen=True)
class CapAwaitingReceipt(Event):
    """A CAP is still not handed over or signed a working day after it was issued."""

    action: object


@dataclass(frozen=True)
class AppealDecided(Event):
    """An ESP manager decided a CAP's appeal: the ladder may stand elsewhere now."""

    action: object
