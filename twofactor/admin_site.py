"""The admin site, entered only by active staff whose session passed the second step."""

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import mailbox, state
from .app_settings import app_settings
from .views import password
from .web.pages import safe_next


class TwoFactorAdminSite(admin.AdminSite):
    index_template = "twofactor/admin/index.html"  # Django's, with a link to the adoption page

    def get_urls(self):
        from .admin.adoption import adoption_view

        return [
            path(
                "twofactor/adoption/",
                self.admin_view(lambda request: adoption_view(request, self)),
                name="twofactor_adoption",
            ),
            *super().get_urls(),
        ]

    def has_permission(self, request) -> bool:
        return (
            super().has_permission(request)
            and getattr(request.user, "is_verified", lambda: False)()
            and self.holds_staff_method(request)
        )

    @staticmethod
    def holds_staff_method(request) -> bool:
        """Staff enter only once they hold a method that is not mailbox-bound (twofactor.mailbox), asked once a
        request: a promoted user whose only method is a code by email is sent to set one up first."""
        if not hasattr(request, "_twofactor_staff_method"):
            current = state.read(request)
            # A session verified by a staff method holds one (removing that device ends the sessions it verified):
            # no query. Only a session verified otherwise (a backup code, say) has the user's devices read.
            request._twofactor_staff_method = bool(
                current and current.verified_at and current.method and mailbox.staff_method(current.method)
            ) or mailbox.holds_staff_method(state.devices_of(request.user))
        return request._twofactor_staff_method

    def password_change(self, request, extra_context=None):
        """The admin's own password page, through the site's password guard and announcements (views.password)."""
        view = password.PasswordChangeView.as_view(
            form_class=password.AdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            **({"template_name": self.password_change_template} if self.password_change_template else {}),
        )
        request.current_app = self.name
        return view(request)

    def login(self, request, extra_context=None):
        """One sign-in for the whole site: the password page, then the second step.

        A signed-in session is never sent back to the password page (it would come straight back
        here): staff without a verified second step are sent to add a method, anyone else is refused.
        """
        target = safe_next(request, "admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(target, resolve_url(app_settings.LOGIN_URL))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        # Staff whose session has no second step: the middleware already sends a pending one to verify.
        if getattr(user, "is_verified", lambda: False)():
            message = _("The admin needs one of these: %(methods)s. Set one up first.") % {
                "methods": mailbox.staff_method_names()
            }
        else:
            message = _("The admin needs two-factor authentication: add a method first.")
        messages.info(request, message, fail_silently=True)
        return HttpResponseRedirect(reverse("twofactor:setup") + "?" + urlencode({REDIRECT_FIELD_NAME: target}))
