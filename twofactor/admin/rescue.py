"""Rescue requests: read-only, approved (a reset) or denied by staff with the permission."""

from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import flows
from ..app_settings import app_settings
from ..models import RescueRequest
from .common import (
    HANDLE_PERMISSION,
    ClientColumns,
    FilterLookupsOnly,
    LargeListAdmin,
    ask_for_fresh_second_factor,
    confirm_with_note,
    methods_summary,
    outranked_refused,
    user_email,
    user_search_fields,
)


@admin.register(RescueRequest)
class RescueRequestAdmin(ClientColumns, FilterLookupsOnly, LargeListAdmin):
    """Rescue requests: read-only, with "approve" (reset) and "deny" for staff with the permission."""

    list_display = (
        "__str__",
        "user",
        "status",
        "created_at",
        "message_preview",
        "ip_address",
        "handled_by",
        "handled_at",
    )
    # A date filter of fixed ranges, not date_hierarchy: that one reads every row for its year links.
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("user", "handled_by")
    fields = readonly_fields = (
        "user",
        "user_methods",
        "status",
        "created_at",
        "updated_at",
        "message",
        "ip_address",
        "browser",
        "handled_by",
        "handled_at",
        "staff_note",
    )
    actions = ["approve", "deny"]
    change_list_template = "twofactor/admin/rescuerequest_change_list.html"

    def get_search_fields(self, request):
        return user_search_fields()

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_handle_permission(request) or super().has_view_permission(request, obj)

    def has_handle_permission(self, request) -> bool:
        return request.user.has_perm(HANDLE_PERMISSION)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "rescue_email": app_settings.RESCUE_EMAIL}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Message"))
    def message_preview(self, obj) -> str:
        return Truncator(obj.message).chars(80) or "—"

    @admin.display(description=_("The user's methods now"))
    def user_methods(self, obj) -> str:
        return methods_summary(obj.user)

    @admin.action(description=_("Approve: reset this user's two-factor"), permissions=["handle"])
    def approve(self, request, queryset):
        return self._handle(
            request,
            queryset,
            action="approve",
            perform=flows.approve_rescue_request,
            title=_("Approve rescue requests"),
            question=_(
                "Reset two-factor authentication of these users? Every method and backup code is removed, "
                "every session ends, and they must set up a new method at their next sign-in. Approve only "
                "once you are sure each request comes from the account's owner."
            ),
            button=_("Approve and reset"),
            done=lambda count: ngettext(
                "Approved %(count)d request; two-factor was reset.",
                "Approved %(count)d requests; two-factor was reset.",
                count,
            ),
        )

    @admin.action(description=_("Deny"), permissions=["handle"])
    def deny(self, request, queryset):
        return self._handle(
            request,
            queryset,
            action="deny",
            perform=flows.deny_rescue_request,
            title=_("Deny rescue requests"),
            question=_("Deny these requests? The users keep their methods and are told by email."),
            button=_("Deny"),
            done=lambda count: ngettext("Denied %(count)d request.", "Denied %(count)d requests.", count),
        )

    def _handle(self, request, queryset, *, action, perform, title, question, button, done):
        rescues = list(queryset.filter(status=RescueRequest.Status.OPEN).select_related("user"))
        if not rescues:
            self.message_user(request, _("Only open requests can be approved or denied."), messages.WARNING)
            return None
        # Requests of accounts the staff member does not outrank are refused (and recorded) before confirmation.
        allowed = outranked_refused(self, request, [rescue.user for rescue in rescues], action=action)
        rescues = [rescue for rescue in rescues if rescue.user in allowed]
        if not rescues:
            return None
        if action == "approve":  # approving resets someone else's two-factor: a fresh second factor first
            stale = ask_for_fresh_second_factor(request)
            if stale is not None:
                return stale
        note, page = confirm_with_note(
            self,
            request,
            objects=rescues,
            action=action,
            title=title,
            question=question,
            button=button,
            items=[
                (
                    f"{rescue} — {rescue.user.get_username()} <{user_email(rescue.user)}>",
                    Truncator(rescue.message).chars(300),
                )
                for rescue in rescues
            ],
        )
        if page is not None:
            return page
        handled = []
        for rescue in rescues:
            try:
                handled.append(perform(rescue, actor=request.user, request=request, note=note))
            except flows.TwoFactorError as failure:
                self.message_user(request, f"{rescue}: {failure.message}", messages.WARNING)
            else:
                self.log_change(request, rescue, f"{handled[-1].get_status_display()}. Note: {note}")
        if handled:
            self.message_user(request, done(len(handled)) % {"count": len(handled)}, messages.SUCCESS)
        return None
