"""What pages share (the app's and each method's): safe redirects, flow errors on forms, set-up pages' guard and end."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from ..errors import TwoFactorError
from ..flows import setup


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


def enrolment_page(view):
    """A set-up page opens only for a session that may add a method (flows.setup.require_enrolment_allowed):
    a stale proof goes to re-authentication and back; a session that never passed its second step is refused.
    POSTs are checked by the flows themselves."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "GET":
            try:
                setup.require_enrolment_allowed(request)
            except TwoFactorError as failure:
                messages.info(request, failure.message)
                if failure.code == "reauthentication_required":
                    return redirect_to_reauthenticate(request, request.get_full_path())
                return redirect("twofactor:overview")
        return view(request, *args, **kwargs)

    return guarded


def render_stored(request, stored: setup.StoredMethod):
    """After a method is stored: show the first backup codes once, or go on."""
    messages.success(request, _("Your new method is ready: %(name)s.") % {"name": stored.device.name})
    if stored.backup_codes:
        return render(
            request,
            "twofactor/backup_codes_new.html",
            {"codes": stored.backup_codes, "next": safe_next(request, reverse("twofactor:overview"))},
        )
    return redirect(safe_next(request, reverse("twofactor:overview")))
