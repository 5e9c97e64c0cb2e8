"""Sign-up, sign-in, sign-out, password change and reset: Django's views, templated."""

import hashlib
import logging
import math
import zoneinfo
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from twofa_site.middleware import TIMEZONE_CHOSEN_COOKIE, TIMEZONE_COOKIE, TIMEZONE_COOKIE_AGE
from twofactor import flows, ratelimit
from twofactor.client_info import budget_address
from twofactor.links import site_url
from twofactor.views import password
from twofactor.web.pages import safe_next

from .forms import SignInForm, SignUpForm

logger = logging.getLogger("accounts")
HOUR = 3600


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/home.html"


class SignUpView(FormView):
    """Sign-up, budgeted per client address: every submission (SIGNUP_ATTEMPTS_PER_IP_HOUR, so the form is no
    free oracle of taken names) and every account made (SIGNUP_ACCOUNTS_PER_IP_HOUR, so no flood of them)."""

    template_name = "accounts/signup.html"
    form_class = SignUpForm
    success_url = reverse_lazy("home")

    def post(self, request, *args, **kwargs):
        limit = ratelimit.Limit(
            f"signup:attempt:{budget_address(request)}", getattr(settings, "SIGNUP_ATTEMPTS_PER_IP_HOUR", 20), HOUR
        )
        decision = ratelimit.consume(limit.key, limit.limit, limit.window_seconds)
        if not decision.allowed:
            return self._throttled(self.get_form(), decision.retry_after)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        decision = ratelimit.consume(
            f"signup:account:{budget_address(self.request)}", getattr(settings, "SIGNUP_ACCOUNTS_PER_IP_HOUR", 5), HOUR
        )
        if not decision.allowed:
            return self._throttled(form, decision.retry_after)
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same name or address signed up a moment ago, between the form's check and here
            form.add_error(None, _("This username or email address cannot be used for a new account."))
            return self.form_invalid(form)
        login(self.request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(self.request, _("Welcome! Your account is ready."))
        return super().form_valid(form)

    def _throttled(self, form, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        form.add_error(
            None,
            ngettext(
                "Too many sign-ups from your network. Try again in %(minutes)d minute.",
                "Too many sign-ups from your network. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(retry_after)
        return response


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "throttled" for error in form.non_field_errors().as_data()):
            response.status_code = 429  # as the API answers, so scripts see it too
        return response


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordChangeView(password.PasswordChangeView):
    """The current password is checked by the sign-in page's password guard; the change is announced."""

    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Change your password")}
    success_url = reverse_lazy("twofactor:overview")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed. Your other sessions were signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email, with the mails it sends limited per address and per client address.

    A refused request gets the same "check your inbox" page as any other, so the limit tells
    nobody whether an address has an account; and the page is answered before the account is even
    looked up (the mail is made and sent once the answer is out), so its timing tells nobody either.
    """

    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Reset your password")}
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        limits = [
            ratelimit.Limit(
                "password-reset:address:" + hashlib.sha256(address.encode()).hexdigest(),
                getattr(settings, "PASSWORD_RESET_MAILS_PER_ADDRESS_HOUR", 3),
                HOUR,
            ),
            ratelimit.Limit(
                f"password-reset:ip:{budget_address(self.request)}",
                getattr(settings, "PASSWORD_RESET_MAILS_PER_IP_HOUR", 10),
                HOUR,
            ),
        ]
        response = HttpResponseRedirect(self.get_success_url())
        if not ratelimit.consume_all(limits).allowed:
            logger.info("Password reset mail not sent: hourly limit reached")
            return response
        # The link's origin is the configured one, never the request's Host (the client writes it).
        origin = urlsplit(site_url(self.request))
        options = {
            "use_https": origin.scheme == "https",
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            "extra_email_context": {"protocol": origin.scheme, "domain": origin.netloc},
        }
        # After the answer: the server calls close() once the response is sent (WSGI), and the test client too.
        response._resource_closers.append(lambda: _send_reset_mail(form, options))
        return response


def _send_reset_mail(form, options: dict) -> None:
    """Find the account and mail its reset link; a failure is logged (the answer is long gone)."""
    try:
        form.save(**options)
    except Exception:  # SMTP down, a template error: the user asks again; nothing else may break
        logger.exception("Password reset mail could not be sent")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Choose a new password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        flows.password_changed(self.request, form.user, by_email=True)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


#: The zones offered on the time-zone page: every IANA zone with a region ("Europe/Paris"), and UTC.
def time_zone_choices() -> list[str]:
    return [
        "UTC",
        *sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith("Etc/")),
    ]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=lambda: [(zone, zone) for zone in time_zone_choices()])


class TimeZoneView(FormView):
    """The time zone dates are shown in, chosen without JavaScript (the page script guesses it otherwise): the
    `tz` cookie TimezoneMiddleware reads, marked as chosen so the script leaves it alone."""

    template_name = "accounts/time_zone.html"
    form_class = TimeZoneForm

    def get_initial(self):
        return {"time_zone": timezone.get_current_timezone_name()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": safe_next(self.request, "/")}

    def form_valid(self, form):
        response = HttpResponseRedirect(safe_next(self.request, "/"))
        secure = not settings.DEBUG
        for name, value in ((TIMEZONE_COOKIE, form.cleaned_data["time_zone"]), (TIMEZONE_CHOSEN_COOKIE, "1")):
            response.set_cookie(name, value, max_age=TIMEZONE_COOKIE_AGE, samesite="Lax", secure=secure)
        return response
