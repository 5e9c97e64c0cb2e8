"""Read-only admins of every method's devices, and their inlines on the user's page (from the registry)."""

from django.contrib import admin

from ..core import registry
from .common import (
    DEVICE_FIELDS,
    HANDLE_PERMISSION,
    RESET_PERMISSION,
    FilterLookupsOnly,
    LargeListAdmin,
    user_search_fields,
)


class DeviceAdmin(FilterLookupsOnly, LargeListAdmin):
    """Read-only view of a method: what, whose, when; secrets are not even loaded into the form."""

    list_display = DEVICE_FIELDS
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    fields = DEVICE_FIELDS

    def get_search_fields(self, request):
        return user_search_fields()

    readonly_fields = DEVICE_FIELDS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a row here would skip what removing a method means (ending the sessions verified
        # with it, the event, the mail); staff use "reset two-factor" on the user's page instead.
        return False


def device_admin(method) -> type[DeviceAdmin]:
    """The read-only admin of a method's devices: the common fields and the method's `admin_fields`, which
    the list reads in its own query (`Method.admin_queryset`), not one query per row."""
    fields = (*DEVICE_FIELDS, *method.admin_fields)
    name = f"{method.get_model().__name__}Admin"

    def get_queryset(self, request):
        return method.admin_queryset(DeviceAdmin.get_queryset(self, request))

    attributes = {"list_display": fields, "fields": fields, "readonly_fields": fields, "get_queryset": get_queryset}
    return type(name, (DeviceAdmin,), attributes)


for _method in registry.methods():
    if not admin.site.is_registered(_method.get_model()):
        admin.site.register(_method.get_model(), device_admin(_method))


class DeviceInline(admin.TabularInline):
    """A user's methods of one type on the user's page, read-only."""

    fields = readonly_fields = ("name", "confirmed", "created_at", "last_used_at")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return (
            user.has_perm(RESET_PERMISSION)
            or user.has_perm(HANDLE_PERMISSION)
            or super().has_view_permission(request, obj)
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def device_inline(method) -> type[DeviceInline]:
    fields = (*DeviceInline.fields, *method.admin_fields)
    name = f"{method.get_model().__name__}Inline"
    return type(name, (DeviceInline,), {"model": method.get_model(), "fields": fields, "readonly_fields": fields})


def method_inlines() -> list[type[DeviceInline]]:
    """One inline per active method, in the order of TWOFACTOR_METHODS."""
    return [device_inline(method) for method in registry.methods()]
