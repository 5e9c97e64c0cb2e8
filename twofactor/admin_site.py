"""The admin site, entered only by active staff whose session passed the second step."""
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.conf import settings


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and getattr(request.user, "is_verified", lambda: False)()

    def login(self, request, extra_context=None):
        # One sign-in for the whole site: the password page, then the second step.
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME, resolve_url("admin:index")), resolve_url(settings.LOGIN_URL)
        )
