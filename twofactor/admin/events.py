"""The security record, read-only."""

from django.contrib import admin

from ..models import SecurityEvent
from .common import ClientColumns, FilterLookupsOnly, LargeListAdmin, user_search_fields


@admin.register(SecurityEvent)
class SecurityEventAdmin(ClientColumns, FilterLookupsOnly, LargeListAdmin):
    list_display = ("created_at", "kind", "user", "ip_address", "browser")
    fields = ("created_at", "kind", "user", "ip_address", "browser", "data")
    readonly_fields = fields
    # A date filter of fixed ranges, not date_hierarchy: that one reads every row for its year links.
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("user",)

    def get_search_fields(self, request):
        return (*user_search_fields(), "ip")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
