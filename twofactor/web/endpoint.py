"""What every API view shares: allowed methods, body size, CSRF, sign-in, and errors as JSON.

CSRF stays Django's own check (CsrfViewMiddleware: Origin, Referer on HTTPS, the masked token),
run here instead of in the middleware so that a failure answers in the API's error shape.
"""

import logging
from functools import wraps

from django.middleware.csrf import CsrfViewMiddleware

from ..errors import TwoFactorError
from .body import check_body_headers
from .responses import csrf_failed, error_answer, method_not_allowed, not_authenticated

logger = logging.getLogger("django.security.csrf")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, rejecting with a TwoFactorError instead of the HTML failure page."""

    def _reject(self, request, reason):
        logger.warning("Forbidden (%s): %s", reason, request.path)
        raise csrf_failed(reason)


def _protected_view(request):  # what the check sees instead of the csrf_exempt API view
    raise AssertionError("never called")


def check_csrf(request) -> None:
    """Raise `csrf_failed` unless the request passes Django's CSRF protection."""
    _CsrfCheck(lambda request: None).process_view(request, _protected_view, (), {})


def endpoint(*methods: str, sign_in_required: bool = True):
    """Make a view an API endpoint answering `methods`; flow errors become the JSON error shape."""

    def decorate(view):
        @wraps(view)
        def api_view(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    response = error_answer(method_not_allowed())
                    response["Allow"] = ", ".join(methods)
                    return response
                check_body_headers(request)
                if request.method not in SAFE_METHODS:
                    check_csrf(request)
                if sign_in_required and not request.user.is_authenticated:
                    raise not_authenticated()
                return view(request, *args, **kwargs)
            except TwoFactorError as error:
                return error_answer(error)

        api_view.csrf_exempt = True  # checked above by check_csrf, with a JSON answer
        api_view.api_methods = methods
        api_view.sign_in_required = sign_in_required
        return api_view

    return decorate
