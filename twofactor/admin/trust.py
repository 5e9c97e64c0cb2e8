"""Trusted browsers ("remember this browser"): staff see whose, what, from where and until when, and revoke them.

The token's hash and the password fingerprint are never shown. Revoking goes through the same function as the
user's own "Revoke" (twofactor.remember.revoke), so it is recorded with the staff member's name.
"""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import remember
from ..models import TrustedBrowser
from .common import RESET_PERMISSION, FilterLookupsOnly, LargeListAdmin, user_search_fields

FIELDS = ("user", "browser_in_words", "network", "method", "created_at", "last_used_at", "expires_at")
REVOKE_PERMISSION = "twofactor.delete_trustedbrowser"


def _may_revoke(request) -> bool:
    return request.user.has_perm(REVOKE_PERMISSION) or request.user.has_perm(RESET_PERMISSION)


def _revoke(request, records) -> int:
    revoked = 0
    for user_id in {record.user_id for record in records}:
        owned = [record.pk for record in records if record.user_id == user_id]
        user = next(record.user for record in records if record.user_id == user_id)
        revoked += remember.revoke(
            TrustedBrowser.objects.filter(pk__in=owned),
            user=user,
            reason=remember.Reason.STAFF,
            request=request,
            actor=request.user,
        )
    return revoked


class BrowserInWords:
    @admin.display(description=_("Browser"))
    def browser_in_words(self, obj) -> str:
        return obj.description


@admin.register(TrustedBrowser)
class TrustedBrowserAdmin(BrowserInWords, FilterLookupsOnly, LargeListAdmin):
    list_display = FIELDS
    list_filter = ("method", ("expires_at", admin.DateFieldListFilter))
    list_select_related = ("user",)
    fields = readonly_fields = FIELDS
    actions = ["revoke"]

    def get_search_fields(self, request):
        return user_search_fields()

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_revoke(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_revoke(request)

    def has_revoke_permission(self, request) -> bool:
        return _may_revoke(request)

    def get_actions(self, request, *args, **kwargs):
        actions = super().get_actions(request, *args, **kwargs)
        actions.pop("delete_selected", None)  # "revoke" records why; a plain delete would not
        return actions

    @admin.action(description=_("Revoke: ask these browsers for a code at their next sign-in"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = _revoke(request, list(queryset.select_related("user")))
        self.message_user(
            request,
            ngettext("%(count)d browser was revoked.", "%(count)d browsers were revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        _revoke(request, [obj])

    def delete_queryset(self, request, queryset):
        _revoke(request, list(queryset.select_related("user")))


class _RevokingFormSet(BaseInlineFormSet):
    """Ticking "delete" on the user's page revokes the browser, recorded as done by the staff member."""

    request = None

    def delete_existing(self, obj, commit=True):
        if commit:
            _revoke(self.request, [obj])


class TrustedBrowserInline(BrowserInWords, admin.TabularInline):
    """The user's trusted browsers on the user's page; "delete" revokes one."""

    model = TrustedBrowser
    formset = _RevokingFormSet
    fields = readonly_fields = FIELDS[1:]
    extra = 0
    show_change_link = False
    verbose_name = _("browser that skips the second step")
    verbose_name_plural = _("browsers that skip the second step")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_revoke(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_revoke(request)
