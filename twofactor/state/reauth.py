"""Re-authentication stamps: how long ago this session last proved the password and a code."""

import time

from ..app_settings import app_settings

REAUTH_KEY = "twofactor_reauth"


def mark_password_entered(request) -> None:
    request.session[REAUTH_KEY] = {**request.session.get(REAUTH_KEY, {}), "password_at": time.time()}


def mark_code_entered(request) -> None:
    request.session[REAUTH_KEY] = {**request.session.get(REAUTH_KEY, {}), "code_at": time.time()}


def recently_authenticated(request, *, code_required: bool) -> bool:
    """Whether the password (and, when the user has methods, a code) came in the last REAUTH_SECONDS."""
    stamps = request.session.get(REAUTH_KEY, {})
    horizon = time.time() - app_settings.REAUTH_SECONDS
    if stamps.get("password_at", 0) < horizon:
        return False
    return not code_required or stamps.get("code_at", 0) >= horizon


def second_factor_fresh(request, max_age: int) -> bool:
    """Whether this session proved a second factor (a code or a passkey) in the last `max_age` seconds."""
    return request.session.get(REAUTH_KEY, {}).get("code_at", 0) >= time.time() - max_age
