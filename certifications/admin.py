from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from certifications.models import (
    DailyNote,
    ExamAttempt,
    Handoff,
    Proof,
    RedFlag,
    Task,
    TaskStatus,
    TaskTerms,
)
from core.admin import KeepsHistory, ReadOnly


@admin.register(Task)
class TaskAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = (
        "name",
        "position",
        "due_day",
        "requires_proof",
        "is_exam",
        "attempt_limit",
        "required",
        "active",
    )
    list_editable = ("position",)
    prepopulated_fields = {"code": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        # Due days and attempt limits are versioned: a new version is published in Settings → Tasks,
        # so that running cohorts keep the terms they started under.
        return ("due_day", "attempt_limit") if obj else ()


@admin.register(TaskTerms)
class TaskTermsAdmin(ReadOnly, admin.ModelAdmin):
    """Read only: versions are published in Settings → Tasks and never changed afterwards."""

    list_display = ("number", "effective_from", "published_by", "published_at", "note")


@admin.register(TaskStatus)
class TaskStatusAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "task", "status", "updated_by", "updated_at")
    list_filter = ("task", "status")
    search_fields = ("agent__first_name", "agent__last_name", "agent__employee_id")
    list_select_related = ("agent", "task", "updated_by")
    raw_id_fields = ("agent", "updated_by")


@admin.register(ExamAttempt)
class ExamAttemptAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "task", "taken_on", "score", "passed")
    list_filter = ("task", "passed")
    list_select_related = ("agent", "task")
    raw_id_fields = ("agent", "recorded_by")


@admin.register(Proof)
class ProofAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "task", "review", "content_type", "size", "uploaded_at")
    list_filter = ("review", "task", "content_type")
    list_select_related = ("agent", "task")
    readonly_fields = ("sha256", "content_type", "size", "original_name")
    raw_id_fields = ("agent", "uploaded_by", "reviewed_by")


@admin.register(DailyNote)
class DailyNoteAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "day", "updated_by", "updated_at")
    date_hierarchy = "day"
    raw_id_fields = ("agent", "updated_by")


@admin.register(RedFlag)
class RedFlagAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "category", "confidential", "raised_at", "resolved_at")
    list_filter = ("category", "confidential")
    raw_id_fields = ("agent", "raised_by", "resolved_by")


@admin.register(Handoff)
class HandoffAdmin(KeepsHistory, SimpleHistoryAdmin):
    list_display = ("agent", "to_tl", "moved_at", "acknowledged_at")
    raw_id_fields = ("agent", "from_tl", "to_tl", "moved_by")
