import django_tables2 as tables

from core.tables import DateColumn
from tickets.models import Ticket


class TicketTable(tables.Table):
    day = DateColumn(format="D j M")  # as every page names an ESP day, not 12/06/2026
    ticket_type = tables.Column(verbose_name="Form", linkify=("tickets:detail", {"pk": tables.A("pk")}))
    subject = tables.Column(verbose_name="About", orderable=False, empty_values=())
    agent = tables.Column(order_by=("agent__last_name", "agent__first_name"))
    submitted_by = tables.Column(verbose_name="Submitted by")
    submitted_at = tables.DateTimeColumn(format="D j M H:i T", verbose_name="Submitted at")

    class Meta:
        model = Ticket
        fields = ("day", "ticket_type", "subject", "agent", "status", "submitted_by", "submitted_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-day",)

    def render_submitted_by(self, value):
        return value.get_full_name() or value.username
