import django_filters
from django import forms

from core.filters import BootstrapFilterSet
from tickets.models import Ticket, TicketType


class TicketFilter(BootstrapFilterSet):
    day = django_filters.DateFilter(widget=forms.DateInput(attrs={"type": "date"}), label="Day")
    ticket_type = django_filters.ModelChoiceFilter(
        queryset=TicketType.objects.all(), label="Form", empty_label="Any form"
    )
    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices, empty_label="Any status")
    agent = django_filters.ModelChoiceFilter(queryset=None, empty_label="Any agent")

    class Meta:
        model = Ticket
        fields = ["day", "ticket_type", "status", "agent"]

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["agent"].queryset = agents
