"""The two-factor part of a project's user admin: methods inline, "reset two-factor"."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import flows, mailbox, state
from ..models import TrustedBrowser
from .common import (
    RESET_PERMISSION,
    FilterLookupsOnly,
    ask_for_fresh_second_factor,
    confirm_with_note,
    deadline_summary,
    methods_summary,
    outranked_refused,
    user_email,
)
from .devices import method_inlines
from .trust import TrustedBrowserInline


class TwoFactorUserAdminMixin(FilterLookupsOnly):
    """For a project's UserAdmin: the user's methods inline and "reset two-factor" (list action and page), and
    the rank rule on every page that changes an account (flows.require_standing, flows.grant_refusal): staff
    change, delete or set the password of accounts below them only, never their own, and grant no permission,
    group, staff or superuser status they do not hold themselves."""

    def has_reset_two_factor_permission(self, request) -> bool:
        return request.user.has_perm(RESET_PERMISSION)

    # The rank rule. An account the staff member does not outrank (or their own) is shown read-only, cannot be
    # deleted (Django's bulk delete asks this per account too), and its password page refuses them.

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._outranks(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._outranks(request, obj)

    @staticmethod
    def _outranks(request, obj) -> bool:
        return obj is None or flows.standing_refusal(request.user, obj) is None

    def _refuse_if_outranked(self, request, user, *, action: str):
        """None when the staff member may act on `user`; else the refusal, recorded, shown on the account's page."""
        if user is None or outranked_refused(self, request, [user], action=action):
            return None  # no such account (Django answers that), or one below the staff member
        opts = self.model._meta
        return redirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk], current_app=self.admin_site.name
            )
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and request.method == "POST":
            refused = self._refuse_if_outranked(request, self.get_object(request, unquote(object_id)), action="change")
            if refused is not None:
                return refused
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            refused = self._refuse_if_outranked(request, self.get_object(request, unquote(object_id)), action="delete")
            if refused is not None:
                return refused
        return super().delete_view(request, object_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return rank_checked(form, request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        promoted = {"is_staff", "is_superuser"} & set(getattr(form, "changed_data", ()))
        if promoted and mailbox.is_staff(obj) and not mailbox.holds_staff_method(state.devices_of(obj)):
            # Not refused: a new staff member usually has no method yet. The admin stays closed to them until they
            # hold one (TwoFactorAdminSite), and their next visit sends them to set it up.
            self.message_user(
                request,
                _(
                    "%(username)s holds none of these: %(methods)s. They cannot use the admin until they set one up; "
                    "they will be asked to at their next visit."
                )
                % {"username": obj.get_username(), "methods": mailbox.staff_method_names()},
                messages.WARNING,
            )

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines += [inline for inline in method_inlines() if inline.model.objects.filter(user=obj).exists()]
            if TrustedBrowser.objects.filter(user=obj).exists():
                inlines.append(TrustedBrowserInline)
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
        return format_html("{}{}", methods_summary(obj), deadline_summary(obj, self.admin_site.name))

    @admin.display(description=_("Methods"))
    def two_factor(self, obj) -> str:
        opts = self.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_twofactor_reset", args=[obj.pk], current_app=self.admin_site.name
        )
        return format_html(
            '{}{}<p><a class="button" href="{}">{}</a></p>',
            methods_summary(obj),
            deadline_summary(obj, self.admin_site.name),
            url,
            _("Reset two-factor…"),
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/two-factor-reset/",
                self.admin_site.admin_view(self.two_factor_reset_view),
                name=f"{opts.app_label}_{opts.model_name}_twofactor_reset",
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request, *args, **kwargs):
        # Django 6.1 adds an `action_location` argument; pass along whatever this Django gives.
        actions = super().get_actions(request, *args, **kwargs)
        if (
            self.actions is not None
            and IS_POPUP_VAR not in request.GET
            and self.has_reset_two_factor_permission(request)
        ):
            actions["reset_two_factor"] = self.get_action("reset_two_factor")
        return actions

    @admin.action(description=_("Reset two-factor: remove every method and end every session"))
    def reset_two_factor(self, request, queryset):
        if not self.has_reset_two_factor_permission(request):
            raise PermissionDenied
        return self._reset_with_note(request, list(queryset), action="reset_two_factor")

    def user_change_password(self, request, id, form_url=""):
        """UserAdmin's "set password" page, for accounts below the staff member only (their own password goes through
        the guarded change page) and after a fresh second factor: whoever sets a password can sign in with it. A
        password set by staff is recorded and announced to the user, and ends the user's sessions, as any password
        change does (flows.password_changed)."""
        user = self.get_object(request, unquote(id))
        refused = self._refuse_if_outranked(request, user, action="set_password")
        if refused is not None:
            return refused
        stale = ask_for_fresh_second_factor(request) if user is not None else None
        if stale is not None:
            return stale
        before = getattr(user, "password", None)
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                flows.password_changed(request, user, actor=request.user)
        return response

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
        opts = self.model._meta
        return redirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk], current_app=self.admin_site.name
            )
        )

    def _reset_with_note(self, request, users, *, action: str | None):
        # Accounts the staff member does not outrank are refused (and recorded) before the confirmation page.
        users = outranked_refused(self, request, users, action="reset")
        if not users:
            return None
        stale = ask_for_fresh_second_factor(request)  # before the note is written, not after
        if stale is not None:
            return stale
        note, page = confirm_with_note(
            self,
            request,
            objects=users,
            action=action,
            items=[(f"{user.get_username()} <{user_email(user)}>", methods_summary(user)) for user in users],
            title=_("Reset two-factor authentication"),
            question=_(
                "Remove every two-factor method and backup code of these users, end all their sessions "
                "and forget their remembered browsers? They will be mailed, and must set up a new method "
                "at their next sign-in."
            ),
            button=_("Reset two-factor"),
        )
        if page is not None:
            return page
        for user in users:
            flows.reset_two_factor(user, actor=request.user, request=request, note=note)
            self.log_change(request, user, f"Two-factor reset. Note: {note}")
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication was reset for %(count)d user.",
                "Two-factor authentication was reset for %(count)d users.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
        return None


def rank_checked(form_class, request, obj):
    """`form_class` (a user or group admin form) refusing what would reach past the staff member's own rank: the
    superuser or staff flag, a permission, or a group with a permission, that they do not hold themselves."""
    actor = request.user

    class RankCheckedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            changed = set(self.changed_data)
            permissions = set()
            if "user_permissions" in changed or "permissions" in changed:
                chosen = cleaned.get("user_permissions", cleaned.get("permissions")) or ()
                permissions |= {f"{perm.content_type.app_label}.{perm.codename}" for perm in chosen}
            if "groups" in changed:
                for group in cleaned.get("groups") or ():
                    permissions |= {
                        f"{app_label}.{codename}"
                        for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
                    }
            beyond = flows.grant_refusal(
                actor,
                superuser="is_superuser" in changed and bool(cleaned.get("is_superuser")),
                staff="is_staff" in changed and bool(cleaned.get("is_staff")),
                permissions=permissions,
            )
            if beyond:
                target = obj if isinstance(obj, get_user_model()) else None  # a user's page, not a group's
                flows.record_refused_grant(actor, target, request=request, beyond=beyond)
                raise forms.ValidationError(
                    _("You cannot grant what you do not hold yourself: %(granted)s. Ask an administrator who holds it.")
                    % {"granted": ", ".join(sorted(beyond))},
                    code="beyond_rank",
                )
            return cleaned

    RankCheckedForm.__name__ = form_class.__name__
    return RankCheckedForm


class TwoFactorGroupAdminMixin:
    """For a project's GroupAdmin: staff give a group only permissions they hold themselves (a member of the group,
    or anyone later added to it, would otherwise receive them)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return rank_checked(form, request, obj)
