"""Reads of tickets that pages in other apps show."""

from certifications.models import Proof
from tickets.forms import CarrierTicketForm
from tickets.models import Playbook, Ticket


def agent_tickets(agent, forms: dict | None = None) -> dict:
    """What the agent page shows of tickets: the agent's tickets and the playbooks."""
    forms = forms or {}
    return {
        "tickets": list(Ticket.objects.filter(agent=agent).select_related("ticket_type")),
        "playbooks": list(Playbook.objects.prefetch_related("contacts")),
        "carrier_form": forms.get("carrier") or CarrierTicketForm(),
    }


def proof_source_key(proof) -> str:
    """The source key of the ticket drafted from a proof (one per proof)."""
    return f"proof:{proof.pk}"


def source_proof(ticket) -> Proof | None:
    """The proof a ticket was drafted from (the proof form), if any."""
    kind, _, pk = (ticket.source_key or "").partition(":")
    if kind != "proof" or not pk.isdigit():
        return None
    return Proof.objects.filter(pk=int(pk)).first()
