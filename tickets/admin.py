from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import KeepsHistory
from tickets.models import Playbook, PlaybookContact, Ticket, TicketField, TicketType


class TicketFieldInline(admin.TabularInline):
    model = TicketField
    extra = 1
    fields = ("position", "name", "label", "kind", "required", "help_text")


@admin.register(TicketType)
class TicketTypeAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("name", "destination_email", "resolvable", "position", "active")
    list_editable = ("destination_email", "position", "active")
    prepopulated_fields = {"code": ("name",)}
    inlines = [TicketFieldInline]


@admin.register(Ticket)
class TicketAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("ticket_type", "agent", "cohort", "day", "status", "submitted_at")
    list_filter = ("status", "ticket_type", "cohort")
    search_fields = ("agent__first_name", "agent__last_name", "agent__employee_id")
    date_hierarchy = "day"
    list_select_related = ("ticket_type", "agent", "cohort")
    raw_id_fields = ("agent", "cohort", "created_by", "submitted_by", "resolved_by")
    readonly_fields = ("source_key", "submissions")


class PlaybookContactInline(admin.TabularInline):
    model = PlaybookContact
    extra = 0
    fields = ("label", "kind", "value", "position")


@admin.register(Playbook)
class PlaybookAdmin(SimpleHistoryAdmin):
    list_display = ("name", "opens", "position")
    prepopulated_fields = {"code": ("name",)}
    inlines = [PlaybookContactInline]
