"""Reads of tickets that pages in other apps show."""

from certifications.models import Proof
from tickets.forms import CarrierTicketForm
from tickets.models import Playbook, Ticket, TicketAttachment


def agent_tickets(agent) -> list[Ticket]:
    """The agent's tickets, as the agent page lists them."""
    return list(Ticket.objects.filter(agent=agent).select_related("ticket_type"))


def troubleshooting(carrier_form: CarrierTicketForm | None = None) -> dict:
    """What the agent page shows to troubleshoot: the playbooks with their contacts, and the
    Carrier Ticket form (`carrier_form` when it was posted with errors)."""
    return {
        "playbooks": list(Playbook.objects.prefetch_related("contacts")),
        "carrier_form": carrier_form or CarrierTicketForm(),
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


def ticket_files(ticket) -> list[TicketAttachment]:
    """The ticket's files: the newest given in each of its file fields, in the form's order."""
    newest: dict[str, TicketAttachment] = {}
    for attachment in TicketAttachment.objects.filter(ticket=ticket).select_related(
        "uploaded_by"
    ):  # newest first
        newest.setdefault(attachment.field_name, attachment)
    order = {f.name: f.position for f in ticket.ticket_type.fields.all()}
    return sorted(newest.values(), key=lambda a: order.get(a.field_name, 0))
