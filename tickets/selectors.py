"""Reads of tickets that pages in other apps show."""

from tickets.forms import CarrierTicketForm
from tickets.models import Playbook, Ticket


def agent_tickets(agent, forms: dict | None = None) -> dict:
    """What the agent page shows of tickets: the agent's tickets and the playbooks."""
    forms = forms or {}
    return {
        "tickets": list(Ticket.objects.filter(agent=agent).select_related("ticket_type")),
        "playbooks": list(Playbook.objects.all()),
        "carrier_form": forms.get("carrier") or CarrierTicketForm(),
    }
