"""Every API answer is JSON; every error has one shape: {"error": {"code", "message", "fields"}}."""

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from ..errors import TwoFactorError


def answer(data: dict, status: int = 200) -> JsonResponse:
    """A JSON answer that no cache keeps (it may hold backup codes or an enrolment secret)."""
    response = JsonResponse(data, status=status)
    add_never_cache_headers(response)
    return response


def error_answer(error: TwoFactorError) -> JsonResponse:
    """The error shape for a flow's (or the API's own) TwoFactorError; 429 carries Retry-After."""
    body = {
        "code": error.code,
        "message": str(error.message),
        "fields": {k: str(v) for k, v in error.fields.items()},
        **error.extra,
    }
    if error.status == 429:
        body["retry_after"] = max(1, int(error.retry_after))
    response = answer({"error": body}, status=error.status)
    if error.status == 429:
        response["Retry-After"] = str(body["retry_after"])
    return response


def validation_error(fields: dict, message=None) -> TwoFactorError:
    return TwoFactorError(
        "validation_error", message or _("Some fields are missing or not valid."), status=400, fields=fields
    )


def not_authenticated() -> TwoFactorError:
    return TwoFactorError("not_authenticated", _("Sign in first."), status=401)


def not_found() -> TwoFactorError:
    return TwoFactorError("not_found", _("There is nothing at this address."), status=404)


def method_not_allowed() -> TwoFactorError:
    return TwoFactorError("method_not_allowed", _("This address does not accept that HTTP method."), status=405)


def csrf_failed(reason: str) -> TwoFactorError:
    return TwoFactorError(
        "csrf_failed",
        _("CSRF check failed (%(reason)s). Send the csrftoken cookie's value in the X-CSRFToken header.")
        % {"reason": reason},
        status=403,
    )
