"""Blocks every page and API call of a signed-in user until the session passed its second step.

Install after AuthenticationMiddleware and MessageMiddleware. It replaces django-otp's
OTPMiddleware (do not install both): `request.user.is_verified()` and
`request.user.otp_device` keep working, so `otp_required` and admin checks do, but a
verified request costs no query — the state is read from the session Django already loaded.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.models import Device

from . import after_response, device_cookie, remember, sign_in_notices, state
from .app_settings import app_settings
from .core import registry

#: View names a session may reach while its second step is pending, by state (plus, while it must set
#: a method up, each method's set-up steps: see `allowed_views`).
API_NAMESPACE = "twofactor_api"
ALLOWED_VIEWS = {
    state.VERIFY: {
        "twofactor:verify",
        "twofactor:logout",
        "twofactor:rescue",
        "twofactor_api:session",
        "twofactor_api:logout",
        "twofactor_api:send_code",
        "twofactor_api:verify",
        "twofactor_api:rescue",
        "twofactor_api:openapi",
        "twofactor:not_you",  # the "Not you?" link only takes access away, whoever opens it
        "set_language",  # the footer's language switcher (Django's, CSRF-protected, redirects within the site)
    },
    state.SETUP: {
        "twofactor:setup",
        "twofactor:logout",
        "twofactor:reauthenticate",
        "twofactor_api:session",
        "twofactor_api:reauthenticate",
        "twofactor_api:logout",
        "twofactor_api:devices",
        "twofactor_api:setup_confirm",
        "twofactor_api:openapi",
        "twofactor:not_you",
        "set_language",
    },
}


def allowed_views(pending_state: str) -> set[str]:
    """The view names a session in `pending_state` may reach."""
    allowed = set(ALLOWED_VIEWS[pending_state])
    for method in registry.methods():
        if pending_state == state.SETUP:
            allowed.update(f"twofactor:{name}" for name in method.setup_view_names)
            allowed.update(f"twofactor_api:{name}" for name in method.api_setup_view_names)
        else:
            allowed.update(f"twofactor:{name}" for name in method.verify_view_names)
            allowed.update(f"twofactor_api:{name}" for name in method.api_verify_view_names)
    return allowed


def _logout_path() -> str | None:
    """The path of TWOFACTOR_LOGOUT_URL (or LOGOUT_URL): a URL name or a path."""
    try:
        return resolve_url(app_settings.LOGOUT_URL)
    except NoReverseMatch:
        return None


def _device_loader(device_id: str):
    def load():
        return Device.from_persistent_id(device_id)

    return load


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._handle(request)
        # Issued by a sign-in that completed during this request: the only place these cookies are set.
        device_cookie.attach(request, response)
        remember.attach(request, response)
        after_response.attach(request, response)
        return response

    def _handle(self, request):
        request.twofactor_base_template = app_settings.BASE_TEMPLATE  # what twofactor/base.html extends
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        current = state.read(request)
        if current is None or current.user_id != user.pk:
            # Signed in some other way (or before this app was installed): start the two-factor step now.
            current = state.begin(request, user)
        if current.state in (state.NONE, state.GRACE, state.SETUP):
            current = state.review(request, user, current)  # no method: has the policy or the deadline moved?
        user.is_verified = lambda: current.verified
        user.otp_device = SimpleLazyObject(_device_loader(current.device_id)) if current.verified else None
        if current.state in (state.VERIFIED, state.NONE, state.GRACE):
            if (
                sign_in_notices.pending(request, current.verified_at)
                and request.method == "GET"
                and not self._wants_json(request)
            ):
                sign_in_notices.show(request, user, current.verified_at)  # the first page after signing in
            return self.get_response(request)
        if current.expired:
            logout(request)
            if self._wants_json(request):
                return self._json_error("sign_in_expired", _("Your sign-in expired. Please sign in again."), 401)
            # fail_silently: a project that installs this before MessageMiddleware gets no message, not a 500.
            messages.info(request, _("Your sign-in expired. Please sign in again."), fail_silently=True)
            return HttpResponseRedirect(resolve_url(app_settings.LOGIN_URL))
        if self._allowed(request, current.state):
            return self.get_response(request)
        return self._block(request, current.state)

    @staticmethod
    def _allowed(request, pending_state: str) -> bool:
        path = request.path_info
        static = settings.STATIC_URL  # None in a project without static files
        if (static and path.startswith("/" + static.lstrip("/"))) or any(
            path.startswith(prefix) for prefix in app_settings.ALLOWED_PATHS
        ):
            return True
        if path == _logout_path():  # the host's sign-out, always reachable
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return match.view_name in allowed_views(pending_state)

    @staticmethod
    def _wants_json(request) -> bool:
        try:
            if resolve(request.path_info).namespace == API_NAMESPACE:
                return True
        except Resolver404:
            pass
        accept = request.headers.get("Accept", "")
        return "application/json" in accept and "text/html" not in accept

    @staticmethod
    def _json_error(code: str, message: str, status: int) -> JsonResponse:
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)

    def _block(self, request, pending_state: str):
        if self._wants_json(request):
            message = (
                _("Set up a two-factor method to continue.")
                if pending_state == state.SETUP
                else _("Complete the second sign-in step first.")
            )
            return self._json_error("two_factor_required", message, 401)
        target = reverse("twofactor:verify" if pending_state == state.VERIFY else "twofactor:setup")
        if request.method == "GET":
            target += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return HttpResponseRedirect(target)
