"""Device cookies (OWASP): a browser that completed a full sign-in to an account is known to it.

The cookie is signed and names the account, a random nonce and a fingerprint of the account's password
hash, so a password change or reset revokes every device cookie of the account. It proves nothing by
itself and skips no step; it only lets the owner's own browser through when strangers have run the
account's password-failure ceiling up from elsewhere (see twofactor.password_guard), with one small
failure budget a day per cookie, which every copy of it shares. Issued whenever a sign-in completes
(second step passed, remembered browser, or no second step needed) and renewed at every one; an unlock
link mailed to the account (flows.unlock) issues one too.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .app_settings import app_settings

COOKIE_NAME = "twofactor_device"
_SALT = "twofactor.device-cookie"
_PENDING_ATTRIBUTE = "_twofactor_device_cookie"


def password_fingerprint(user_pk, password_hash: str) -> str:
    """A keyed digest of the account's password hash: changes whenever the password does."""
    return salted_hmac(_SALT, f"{user_pk}|{password_hash}", algorithm="sha256").hexdigest()[:32]


def known_device(request, user_pk, password_hash: str | None = None) -> str | None:
    """The nonce of this browser's device cookie when it was issued for account `user_pk` under its current
    password (`password_hash`, read from the database when not given), else None."""
    value = request.COOKIES.get(COOKIE_NAME) if request is not None else None
    if not value or user_pk is None or app_settings.DEVICE_COOKIE_DAYS <= 0:
        return None
    try:
        payload = signing.loads(value, salt=_SALT, max_age=app_settings.DEVICE_COOKIE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_pk or not isinstance(payload.get("n"), str):
        return None
    if password_hash is None:
        password_hash = (
            get_user_model()._default_manager.filter(pk=user_pk).values_list("password", flat=True).first() or ""
        )
    if not constant_time_compare(str(payload.get("p", "")), password_fingerprint(user_pk, password_hash)):
        return None  # issued under another password: a change or reset revoked it
    return payload["n"]


def issue(request, user, nonce: str | None = None) -> None:
    """Mark this browser as known to `user` (under the current password); the middleware sets the cookie on the
    response. The nonce (the cookie's failure budget) is kept while the cookie stays valid."""
    if request is None or app_settings.DEVICE_COOKIE_DAYS <= 0:
        return
    nonce = nonce or known_device(request, user.pk, user.password) or secrets.token_urlsafe(16)
    payload = {"u": user.pk, "n": nonce, "p": password_fingerprint(user.pk, user.password)}
    setattr(request, _PENDING_ATTRIBUTE, signing.dumps(payload, salt=_SALT))


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
