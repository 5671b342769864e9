from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from attendance.models import (
    AgentIssue,
    AttendancePolicy,
    AttendanceRecord,
    CorrectiveAction,
    CorrectiveLevel,
    EscalationRule,
    Occurrence,
    Reclassification,
    Recommendation,
)
from core.admin import KeepsHistory, ReadOnly


@admin.register(AttendancePolicy)
class AttendancePolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "effective_from",
        "tardy_minutes",
        "partial_day_minutes",
        "time_away_counts",
        "note",
        "created_by",
    )
    readonly_fields = ("created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # A version that has classified records is frozen: add a new version with a later date.
        if obj is not None and obj.records.exists():
            return (
                "effective_from",
                "tardy_minutes",
                "partial_day_minutes",
                "time_away_counts",
                *self.readonly_fields,
            )
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.records.exists()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = (
        "agent",
        "day",
        "cohort",
        "absent",
        "arrival_occurrence",
        "departure_occurrence",
        "excused",
    )
    list_filter = ("absent", "excused", "arrival_occurrence", "departure_occurrence", "cohort")
    search_fields = ("agent__first_name", "agent__last_name", "agent__employee_id")
    date_hierarchy = "day"
    list_select_related = ("agent", "cohort")
    raw_id_fields = ("agent", "cohort", "updated_by")
    readonly_fields = (
        "policy",
        "arrival_occurrence",
        "departure_occurrence",
        "version",
        "reported_version",
        "reported_at",
        "wfm_pending",
    )

    def save_model(self, request, obj, form, change):
        # An admin's correction is classified, versioned and reported like any other edit.
        if obj.pk is None:
            obj.policy = AttendancePolicy.in_force(obj.day)
        obj.touch(request.user)
        super().save_model(request, obj, form, change)


@admin.register(Reclassification)
class ReclassificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("at", "start", "end", "cohort", "records_checked", "records_changed", "by", "reason")
    readonly_fields = [f.name for f in Reclassification._meta.fields]


@admin.register(CorrectiveLevel)
class CorrectiveLevelAdmin(KeepsHistory, admin.ModelAdmin):
    list_display = ("rank", "name", "is_term", "printable")


@admin.register(EscalationRule)
class EscalationRuleAdmin(KeepsHistory, admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "active",
        "kind",
        "kinds_display",
        "window",
        "threshold",
        "free_incidents",
        "level",
        "note",
    )
    list_filter = ("active", "kind", "level")

    @admin.display(description="occurrences counted")
    def kinds_display(self, rule):
        return ", ".join(Occurrence(k).label if k in Occurrence.values else k for k in rule.kinds) or "—"

    def get_readonly_fields(self, request, obj=None):
        # A version that made recommendations is frozen: add the next version instead.
        if obj is not None and obj.recommendations.exists():
            return [f.name for f in EscalationRule._meta.fields if f.name != "active"]
        return ()


@admin.register(Recommendation)
class RecommendationAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "level", "rule", "status", "created_at")
    list_filter = ("status", "level")
    raw_id_fields = ("agent", "decided_by")
    readonly_fields = ("rule", "level", "facts", "fingerprint")


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(SimpleHistoryAdmin):
    list_display = ("agent", "level", "date", "status", "issued_by")
    list_filter = ("level", "status")
    raw_id_fields = ("agent", "issued_by", "override_by", "voided_by", "recommendation")

    def has_delete_permission(self, request, obj=None):
        return False  # void instead


@admin.register(AgentIssue)
class AgentIssueAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "reported_by", "reported_at")
    raw_id_fields = ("agent", "reported_by")
