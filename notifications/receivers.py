"""Who is told what, at once: the notices the apps' events call for."""

from attendance.events import AgentIssueReported, ApprovalRequested, CapAwaitingReceipt, TermIssued
from certifications.events import ExamAttemptRecorded, HandoffRecorded, RedFlagRaised
from cohorts.events import AgentStatusChanged
from cohorts.models import Agent
from core.events import receives
from notifications import messages
from tickets.events import TicketSubmitted


@receives(RedFlagRaised)
def red_flag_raised(event: RedFlagRaised) -> None:
    messages.red_flag_raised(event.flag)


@receives(AgentStatusChanged)
def agent_status_changed(event: AgentStatusChanged) -> None:
    if event.new == Agent.Status.READY:
        messages.agent_ready(event.agent)


@receives(ExamAttemptRecorded)
def attempt_recorded(event: ExamAttemptRecorded) -> None:
    if event.limit_reached:
        messages.attempt_limit_reached(event.attempt, event.failed)


@receives(TicketSubmitted)
def ticket_submitted(event: TicketSubmitted) -> None:
    messages.ticket_submitted(event.ticket)


@receives(TermIssued)
def term_issued(event: TermIssued) -> None:
    messages.term_issued(event.action)


@receives(ApprovalRequested)
def approval_requested(event: ApprovalRequested) -> None:
    messages.approval_requested(event.action)


@receives(AgentIssueReported)
def agent_issue(event: AgentIssueReported) -> None:
    messages.agent_issue(event.issue)


@receives(HandoffRecorded)
def handoff_recorded(event: HandoffRecorded) -> None:
    messages.handoff_received(event.handoff)


@receives(CapAwaitingReceipt)
def cap_awaiting_receipt(event: CapAwaitingReceipt) -> None:
    messages.cap_awaiting_receipt(event.action)
