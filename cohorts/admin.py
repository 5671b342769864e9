from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from cohorts.models import Agent, Cohort, Schedule
from core.admin import KeepsHistory


class AgentInline(admin.TabularInline):
    model = Agent
    fields = ("first_name", "last_name", "employee_id", "email", "status")
    extra = 0
    show_change_link = True
    can_delete = False  # an agent leaves a cohort by a status, never by a delete box


@admin.register(Cohort)
class CohortAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("name", "status", "start_date", "time_zone", "tl", "pm")
    list_filter = ("status", "time_zone", "tl", "pm")
    search_fields = ("name", "tl__username", "pm__username")
    date_hierarchy = "start_date"
    list_select_related = ("tl", "pm")
    inlines = [AgentInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Agent)
class AgentAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("full_name", "employee_id", "cohort", "status", "equipment_source", "production_tl")
    list_filter = ("status", "equipment_source", "cohort")
    search_fields = ("first_name", "last_name", "employee_id", "email")
    list_select_related = ("cohort", "production_tl")
    autocomplete_fields = ("cohort",)
    raw_id_fields = ("production_tl",)


@admin.register(Schedule)
class ScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "pm_grace_minutes", "digest_time", "digest_time_zone")

    def has_add_permission(self, request):
        return not Schedule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False  # the jobs read this one row (Schedule.delete refuses too)
