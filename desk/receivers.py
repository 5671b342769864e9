"""Readiness is recomputed, once per agent and write, when anything it reads changes."""

from certifications.events import ProofReviewed, RedFlagRaised, RedFlagResolved, TaskStatusChanged
from certifications.models import TaskStatus
from cohorts.models import Agent
from core.events import collect, receives
from desk.readiness import recompute_readiness
from tickets.events import TicketDrafted, TicketSubmitted, TicketWithdrawn

VERIFIED = TaskStatus.Status.VERIFIED


def _recompute(agent_ids) -> None:
    collect("desk.readiness", agent_ids, recompute_readiness, order=70)


@receives(TaskStatusChanged)
def status_changed(event: TaskStatusChanged) -> None:
    """Readiness needs every task verified: only a change to or from Verified can change it."""
    if VERIFIED in (event.old, event.new):
        _recompute([event.agent.pk])


@receives(ProofReviewed)
def proof_reviewed(event: ProofReviewed) -> None:
    _recompute([event.proof.agent_id])


@receives(RedFlagRaised, RedFlagResolved)
def red_flag(event) -> None:
    _recompute([event.flag.agent_id])


@receives(TicketDrafted)
def ticket_drafted(event: TicketDrafted) -> None:
    if event.ticket.agent.status == Agent.Status.READY:  # a new draft holds a ready agent back
        _recompute([event.ticket.agent_id])


@receives(TicketSubmitted, TicketWithdrawn)
def ticket_done(event) -> None:
    _recompute([event.ticket.agent_id])
