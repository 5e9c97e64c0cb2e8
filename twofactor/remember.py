""" "Remember this browser": a signed, HttpOnly cookie that skips the second step (never the password).

The cookie names the user and the device, and carries a fingerprint of the user's password
hash and current methods, so a password change, any method change or an admin reset
makes every remembered browser of that user ask for a code again.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .app_settings import app_settings
from .models import TwoFactorDevice
from .signals import Kind, emit
from .state import devices_of

COOKIE_NAME = "twofactor_remember"
_SALT = "twofactor.remember"
_PENDING_ATTRIBUTE = "_twofactor_remember_cookie"


def _fingerprint(user, devices: list[TwoFactorDevice]) -> str:
    ids = ",".join(sorted(device.persistent_id for device in devices))
    return salted_hmac(_SALT, f"{user.pk}|{user.password}|{ids}", algorithm="sha256").hexdigest()[:32]


def enabled() -> bool:
    return app_settings.REMEMBER_DAYS > 0


def make_cookie_value(user, device: TwoFactorDevice) -> str:
    payload = {"u": user.pk, "d": device.persistent_id, "f": _fingerprint(user, devices_of(user))}
    return signing.dumps(payload, salt=_SALT, compress=True)


def issue(request, value: str) -> None:
    """Remember this browser with the cookie `value`; TwoFactorMiddleware sets it on the response."""
    setattr(request, _PENDING_ATTRIBUTE, value)


def attach(request, response) -> None:
    """Set the cookie issued during this request, if any (called by TwoFactorMiddleware): the one place it is set."""
    value = getattr(request, _PENDING_ATTRIBUTE, None)
    if value:
        set_cookie(response, value)


def set_cookie(response, value: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=app_settings.REMEMBER_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_from_cookie(request, user) -> TwoFactorDevice | None:
    """The device a valid remember cookie vouches for, or None."""
    raw = request.COOKIES.get(COOKIE_NAME) if enabled() else None
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=_SALT, max_age=app_settings.REMEMBER_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        return None
    devices = devices_of(user)
    if not constant_time_compare(str(payload.get("f", "")), _fingerprint(user, devices)):
        return None
    return next((device for device in devices if device.persistent_id == payload.get("d")), None)


def on_remembered_sign_in(request, user, device: TwoFactorDevice) -> None:
    emit(Kind.REMEMBERED_BROWSER_USED, user=user, request=request, method=device.method)
    emit(Kind.SIGNED_IN, user=user, request=request, method=device.method, remembered=True)
