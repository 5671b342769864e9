from django.contrib import admin

from core.admin import KeepsHistory
from desk.models import EndOfDayCheck


@admin.register(EndOfDayCheck)
class EndOfDayCheckAdmin(KeepsHistory, admin.ModelAdmin):
    list_display = ("cohort", "day", "open_count", "checked_at", "pm_checked_at")
    list_filter = ("cohort",)
    date_hierarchy = "day"
    readonly_fields = ("cohort", "day", "checked_at", "items", "open_count", "pm_checked_at")
