"""Staff screens: users' methods (never a secret or a code), rescue requests and the security record.

A project adds the two-factor part of the user's page to its own user admin:

    from django.contrib.auth.admin import UserAdmin
    from twofactor.admin import TwoFactorUserAdminMixin

    @admin.register(User)
    class MyUserAdmin(TwoFactorUserAdminMixin, UserAdmin):
        ...

which shows the user's methods inline and offers "reset two-factor" (a list action and a page
from the user's page) to staff with the permission `twofactor.reset_twofactor`. Rescue
requests are approved or denied by staff with `twofactor.handle_rescuerequest`. Every
action asks for a note on a confirmation page and is recorded through the signals.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import flows, state
from .app_settings import app_settings
from .methods import registry
from .models import RescueRequest, SecurityEvent

HANDLE_PERMISSION = "twofactor.handle_rescuerequest"
RESET_PERMISSION = "twofactor.reset_twofactor"
DEVICE_FIELDS = ("user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")


class StaffNoteForm(forms.Form):
    """The note every staff action asks for: kept in the request and the security record, not mailed."""

    note = forms.CharField(
        label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What you checked, or why. Kept in the security record; not sent to the user."),
        error_messages={"required": _("Write a note: what you checked, or why.")},
    )


def methods_summary(user) -> str:
    """The user's methods as escaped HTML: type, name, added, last used (never a secret or a code)."""
    devices = state.devices_of(user)
    if not devices:
        return _("No two-factor method.")
    rows = []
    for device in devices:
        kind = capfirst(type(device)._meta.verbose_name)
        label = kind if device.name == kind else f"{kind}: {device.name}"
        summary = registry.for_device(device).summary(device)
        if summary:
            label += f" ({summary})"
        rows.append((label, _("added"), _when(device.created_at), _("last used"), _when(device.last_used_at)))
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{} — {} {}, {} {}</li>", rows))


def user_search_fields() -> tuple[str, ...]:
    """Search a row by its user's username and address, whatever the user model calls them."""
    user_model = get_user_model()
    names = dict.fromkeys([user_model.USERNAME_FIELD, user_model.get_email_field_name()])
    return tuple(f"user__{name}" for name in names)


def _email(user) -> str:
    return getattr(user, user.get_email_field_name(), "") or ""


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"


def confirm_with_note(modeladmin, request, *, objects, items, title, question, button, action: str | None):
    """The intermediate page of a staff action. Returns (note, None) once confirmed, else (None, page)."""
    form = StaffNoteForm(request.POST if request.method == "POST" and request.POST.get("confirmed") == "yes" else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["note"], None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "button": button,
        "items": items,
        "objects": objects,
        "form": form,
        "action": action,
        "opts": opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist",
                                  current_app=modeladmin.admin_site.name),
    }
    request.current_app = modeladmin.admin_site.name
    return None, TemplateResponse(request, "twofactor/admin/confirm_with_note.html", context)


def _sign_out_if_reset_self(request, users) -> None:
    """A staff member who reset their own account has no session left: finish signing them out."""
    if any(user.pk == request.user.pk for user in users):
        logout(request)


# Devices

class DeviceAdmin(admin.ModelAdmin):
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
    """The read-only admin of a method's devices: the common fields and the method's `admin_fields`."""
    fields = (*DEVICE_FIELDS, *method.admin_fields)
    name = f"{method.get_model().__name__}Admin"
    return type(name, (DeviceAdmin,), {"list_display": fields, "fields": fields, "readonly_fields": fields})


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
        return user.has_perm(RESET_PERMISSION) or user.has_perm(HANDLE_PERMISSION) or super().has_view_permission(
            request, obj
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


# Users

class TwoFactorUserAdminMixin:
    """For a project's UserAdmin: the user's methods inline and "reset two-factor" (list action and page)."""


    def has_reset_two_factor_permission(self, request) -> bool:
        return request.user.has_perm(RESET_PERMISSION)

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines += [inline for inline in method_inlines() if inline.model.objects.filter(user=obj).exists()]
        return inlines

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            field = "two_factor" if self.has_reset_two_factor_permission(request) else "two_factor_methods"
            fieldsets.append((_("Two-factor authentication"), {"fields": (field,)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "two_factor", "two_factor_methods")

    @admin.display(description=_("Methods"))
    def two_factor_methods(self, obj) -> str:
        return methods_summary(obj)

    @admin.display(description=_("Methods"))
    def two_factor(self, obj) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_twofactor_reset", args=[obj.pk],
                      current_app=self.admin_site.name)
        return format_html('{}<p><a class="button" href="{}">{}</a></p>', methods_summary(obj), url,
                           _("Reset two-factor…"))

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<path:object_id>/two-factor-reset/", self.admin_site.admin_view(self.two_factor_reset_view),
                 name=f"{opts.app_label}_{opts.model_name}_twofactor_reset"),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is not None and IS_POPUP_VAR not in request.GET and self.has_reset_two_factor_permission(
            request
        ):
            actions["reset_two_factor"] = self.get_action("reset_two_factor")
        return actions

    @admin.action(description=_("Reset two-factor: remove every method and end every session"))
    def reset_two_factor(self, request, queryset):
        if not self.has_reset_two_factor_permission(request):
            raise PermissionDenied
        return self._reset_with_note(request, list(queryset), action="reset_two_factor")

    def two_factor_reset_view(self, request, object_id):
        """The "reset two-factor" page of one user, linked from the user's page."""
        if not self.has_reset_two_factor_permission(request):
            raise PermissionDenied
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        response = self._reset_with_note(request, [user], action=None)
        if response is not None:
            return response
        if not request.user.is_authenticated:  # they reset their own account
            return redirect(reverse("admin:index", current_app=self.admin_site.name))
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk],
                                current_app=self.admin_site.name))

    def _reset_with_note(self, request, users, *, action: str | None):
        note, page = confirm_with_note(
            self, request, objects=users, action=action,
            items=[(f"{user.get_username()} <{_email(user)}>", methods_summary(user)) for user in users],
            title=_("Reset two-factor authentication"),
            question=_("Remove every two-factor method and backup code of these users, end all their sessions "
                       "and forget their remembered browsers? They will be mailed, and must set up a new method "
                       "at their next sign-in."),
            button=_("Reset two-factor"),
        )
        if page is not None:
            return page
        for user in users:
            flows.reset_two_factor(user, actor=request.user, request=request, note=note)
            self.log_change(request, user, f"Two-factor reset. Note: {note}")
        _sign_out_if_reset_self(request, users)
        self.message_user(request, ngettext(
            "Two-factor authentication was reset for %(count)d user.",
            "Two-factor authentication was reset for %(count)d users.", len(users),
        ) % {"count": len(users)}, messages.SUCCESS)
        return None


# Rescue requests

@admin.register(RescueRequest)
class RescueRequestAdmin(admin.ModelAdmin):
    """Rescue requests: read-only, with "approve" (reset) and "deny" for staff with the permission."""

    list_display = ("__str__", "user", "status", "created_at", "message_preview", "ip", "handled_by", "handled_at")
    list_filter = ("status",)
    date_hierarchy = "created_at"
    list_select_related = ("user", "handled_by")
    fields = readonly_fields = ("user", "user_methods", "status", "created_at", "updated_at", "message", "ip",
                                "user_agent", "handled_by", "handled_at", "staff_note")
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
            request, queryset, action="approve", perform=flows.approve_rescue_request,
            title=_("Approve rescue requests"),
            question=_("Reset two-factor authentication of these users? Every method and backup code is removed, "
                       "every session ends, and they must set up a new method at their next sign-in. Approve only "
                       "once you are sure each request comes from the account's owner."),
            button=_("Approve and reset"),
            done=lambda count: ngettext("Approved %(count)d request; two-factor was reset.",
                                        "Approved %(count)d requests; two-factor was reset.", count),
        )

    @admin.action(description=_("Deny"), permissions=["handle"])
    def deny(self, request, queryset):
        return self._handle(
            request, queryset, action="deny", perform=flows.deny_rescue_request,
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
        note, page = confirm_with_note(
            self, request, objects=rescues, action=action, title=title, question=question, button=button,
            items=[(f"{rescue} — {rescue.user.get_username()} <{_email(rescue.user)}>",
                    Truncator(rescue.message).chars(300)) for rescue in rescues],
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
        if action == "approve":
            _sign_out_if_reset_self(request, [rescue.user for rescue in handled])
        return None


# The security record

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
