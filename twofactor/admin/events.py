"""The security record, read-only."""

from django.contrib import admin

from ..models import SecurityEvent
from .common import user_search_fields


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "ip")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    def get_search_fields(self, request):
        return (*user_search_fields(), "ip")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
