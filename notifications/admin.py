from django.contrib import admin

from core.admin import KeepsHistory
from notifications.models import Notice


@admin.register(Notice)
class NoticeAdmin(KeepsHistory, admin.ModelAdmin):
    list_display = ("subject", "kind", "created_at", "sent_at", "attempts")
    list_filter = ("kind", "sent_at")
    search_fields = ("subject", "key")
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request):
        return False
