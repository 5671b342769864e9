"""What the tickets app tells the apps above it."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class TicketDrafted(Event):
    ticket: object


@dataclass(frozen=True)
class TicketSubmitted(Event):
    """Submitted, or corrected after submission (`ticket.submissions` > 1)."""

    ticket: object


@dataclass(frozen=True)
class TicketWithdrawn(Event):
    ticket: object
