"""What the page views share: safe redirects and turning flow errors into form errors."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from ..flows import TwoFactorError


def safe_next(request, default: str = "/") -> str:
    """The `next` parameter when it is a path on this site, else `default`."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    # Only a path: redirect() would take a bare word such as "0" for a URL name and fail to reverse it.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default) if default else ""


def add_flow_error(form, error: TwoFactorError, field: str | None = "code") -> None:
    form.add_error(field if field in form.fields else None, str(error.message))


def status_for(error: TwoFactorError | None) -> int:
    """Pages answer throttling with 429 and a failed delivery with 503 too, so scripts see it; other errors are 400."""
    if error is None:
        return 200
    if error.code == "delivery_failed":
        return 503
    return 429 if error.code == "throttled" else 400


def redirect_to_reauthenticate(request, back_to: str):
    return redirect(reverse("twofactor:reauthenticate") + "?" + urlencode({REDIRECT_FIELD_NAME: back_to}))
