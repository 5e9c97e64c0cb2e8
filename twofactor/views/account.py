"""The app's own sign-in and sign-out pages, for projects without their own (`LOGIN_URL = "twofactor:login"`).

A project with its own login view keeps it: the second step starts from Django's `user_logged_in` signal.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url

from ..forms import PasswordSignInForm


class SignInView(auth_views.LoginView):
    template_name = "twofactor/login.html"
    authentication_form = PasswordSignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "throttled" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response

    def get_default_redirect_url(self):
        """LOGIN_REDIRECT_URL when the project chose one, else the two-factor page (not Django's /accounts/profile/)."""
        if settings.LOGIN_REDIRECT_URL != "/accounts/profile/":
            return resolve_url(settings.LOGIN_REDIRECT_URL)
        return resolve_url("twofactor:overview")


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]

    def get_default_redirect_url(self):
        return resolve_url(settings.LOGOUT_REDIRECT_URL or "twofactor:login")
