"""Step-up for the host's own views: a fresh second factor, not a password.

    from twofactor.decorators import require_fresh_second_factor, FreshSecondFactorRequiredMixin

    @require_fresh_second_factor(max_age=300)
    def close_account(request): ...

    class PayoutView(FreshSecondFactorRequiredMixin, FormView):
        second_factor_max_age = 300

A request whose session proved a second factor longer ago than `max_age` seconds is sent to a short
"confirm it's you" page (/2fa/confirm/) that asks for a code or a passkey only, then back to the view (a GET;
a POST is not replayed: the user submits again, and the page says so). A JSON request gets 401
{"error": {"code": "step_up_required", "max_age": 300, …}}; POST /api/v1/2fa/step-up answers it.
"""

from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .app_settings import app_settings
from .errors import TwoFactorError, step_up_required
from .flows import require_fresh_second_factor as require_fresh
from .flows.step_up import DEFAULT_MAX_AGE
from .middleware import TwoFactorMiddleware
from .web.responses import error_answer, not_authenticated

#: Query flag of the confirm page: the request that was stopped was a POST, which is not replayed.
RESUBMIT = "resubmit"


def _back_to(request) -> str:
    """Where the confirm page returns: this address for a GET; for a POST, the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        from urllib.parse import urlsplit

        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def step_up_response(request, max_age: int):
    """The answer to a request that needs a fresh second factor: 401 JSON, or the confirm page."""
    if TwoFactorMiddleware._wants_json(request):
        return error_answer(step_up_required(max_age))
    query = {REDIRECT_FIELD_NAME: _back_to(request)}
    if request.method not in ("GET", "HEAD"):
        query[RESUBMIT] = "1"
    return HttpResponseRedirect(reverse("twofactor:step_up") + "?" + urlencode(query))


def _guard(request, max_age: int):
    """None when the view may run, else the response that stops it."""
    if not request.user.is_authenticated:
        if TwoFactorMiddleware._wants_json(request):
            return error_answer(not_authenticated())
        return redirect_to_login(request.get_full_path(), resolve_url(app_settings.LOGIN_URL))
    try:
        require_fresh(request, max_age)
    except TwoFactorError:
        return step_up_response(request, max_age)
    return None


def require_fresh_second_factor(view=None, *, max_age: int = DEFAULT_MAX_AGE):
    """Decorate a view so it runs only for a session that proved a second factor in the last `max_age` seconds.

    Use as @require_fresh_second_factor or @require_fresh_second_factor(max_age=60).
    """

    def decorate(view_function):
        @wraps(view_function)
        def guarded(request, *args, **kwargs):
            stopped = _guard(request, max_age)
            return stopped if stopped is not None else view_function(request, *args, **kwargs)

        return guarded

    return decorate(view) if view is not None else decorate


class FreshSecondFactorRequiredMixin:
    """The decorator for class-based views: put it first among the bases."""

    second_factor_max_age: int = DEFAULT_MAX_AGE

    def dispatch(self, request, *args, **kwargs):
        stopped = _guard(request, self.second_factor_max_age)
        return stopped if stopped is not None else super().dispatch(request, *args, **kwargs)
