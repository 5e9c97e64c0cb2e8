"""Device cookies (OWASP): a browser that completed a full sign-in to an account is known to it.

The cookie is signed and names the account and a random nonce. It proves nothing by itself and
skips no step; it only lets the owner's own browser through when strangers have run the account's
password-failure ceiling up from elsewhere (see twofactor.password_guard), with a failure budget
of its own. Issued whenever a sign-in completes (second step passed, remembered browser, or no
second step needed) and renewed at every one.
"""

import secrets

from django.conf import settings
from django.core import signing

from .app_settings import app_settings

COOKIE_NAME = "twofactor_device"
_SALT = "twofactor.device-cookie"
_PENDING_ATTRIBUTE = "_twofactor_device_cookie"


def known_device(request, user_pk) -> str | None:
    """The nonce of this browser's device cookie when it was issued for account `user_pk`, else None."""
    value = request.COOKIES.get(COOKIE_NAME) if request is not None else None
    if not value or user_pk is None or app_settings.DEVICE_COOKIE_DAYS <= 0:
        return None
    try:
        payload = signing.loads(value, salt=_SALT, max_age=app_settings.DEVICE_COOKIE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_pk or not isinstance(payload.get("n"), str):
        return None
    return payload["n"]


def issue(request, user) -> None:
    """Mark this browser as known to `user`; the middleware sets the cookie on the response."""
    if request is None or app_settings.DEVICE_COOKIE_DAYS <= 0:
        return
    nonce = known_device(request, user.pk) or secrets.token_urlsafe(16)
    setattr(request, _PENDING_ATTRIBUTE, signing.dumps({"u": user.pk, "n": nonce}, salt=_SALT))


def attach(request, response) -> None:
    """Set the cookie issued during this request, if any (called by TwoFactorMiddleware)."""
    value = getattr(request, _PENDING_ATTRIBUTE, None)
    if value:
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=app_settings.DEVICE_COOKIE_DAYS * 86400,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
