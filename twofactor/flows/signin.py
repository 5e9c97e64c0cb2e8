"""The second step of sign-in, and the code check that re-authentication shares with it."""
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from .. import password_guard, remember, state
from ..codes import looks_like_backup_code
from ..models import DEVICE_CLASSES, TwoFactorDevice
from ..signals import Kind, emit
from ..verification import verify_code, verify_user_code
from .errors import TwoFactorError, invalid_code, throttled


def _candidate_methods(method: str | None, code: str, default: str | None) -> list[str]:
    """The methods a code may be meant for, in the order they are tried: the named one, else a backup
    code by its shape, then the method the pending sign-in offers."""
    if method:
        return [method]
    candidates = ["backup"] if looks_like_backup_code(code) else []
    return [*candidates, default] if default else candidates


def _fallback_device(user) -> TwoFactorDevice | None:
    """The device a code without a usable method is checked against: the primary one, else backup codes."""
    devices = state.devices_of(user)
    return state.primary_device(devices) or next((device for device in devices if device.method == "backup"), None)


def _refuse_paused_email_factor(user) -> None:
    """Before an email code is checked: after a reset by email it may not stand in for another method."""
    from .rescue import email_factor_refusal

    refused = email_factor_refusal(user)
    if refused is not None and DEVICE_CLASSES["email"].objects.filter(user=user, confirmed=True).exists():
        raise refused


def check_code(request, user, code: str, method: str | None = None) -> TwoFactorDevice:
    """Verify one code for `user` through the exactly-once path; raise TwoFactorError when it fails.

    The device is found by its type and locked in the same query, so a sign-in loads no device list.
    """
    current = state.read(request)
    result = None
    for candidate in _candidate_methods(method, code, current.method if current else None):
        if candidate in DEVICE_CLASSES:
            if candidate == "email":
                _refuse_paused_email_factor(user)
            result = verify_user_code(user, DEVICE_CLASSES[candidate], code)
            if result.device is not None:
                break
    else:
        device = None if method else _fallback_device(user)
        if device is not None and device.method == "email":
            _refuse_paused_email_factor(user)
        result = verify_code(device, code) if device is not None else None
    if result is None or result.device is None:
        raise TwoFactorError("invalid_method", _("Choose one of your two-factor methods."), fields={"method": "unknown"})
    device = result.device
    if result.throttled:
        emit(Kind.THROTTLED, user=user, request=request, method=device.method, retry_after=result.retry_after)
        raise throttled(result.retry_after)
    if not result.accepted:
        emit(Kind.CODE_FAILED, user=user, request=request, method=device.method, failures=result.failure_count)
        raise invalid_code()
    if device.method == "backup":
        emit(Kind.BACKUP_CODE_USED, user=user, request=request, remaining=device.remaining)
    return device


def verify(request, code: str, *, method: str | None = None, remember_browser: bool = False) -> str | None:
    """Complete a pending sign-in with a code. Returns a remember-cookie value when one was asked for."""
    user = request.user
    device = check_code(request, user, code, method)
    state.mark_verified(request, device)
    emit(Kind.SIGNED_IN, user=user, request=request, method=device.method, remembered=False)
    if remember_browser and remember.enabled():
        return remember.make_cookie_value(user, device)
    return None


def choose_method(request, method: str) -> None:
    """Switch the pending sign-in to another of the user's methods."""
    if method not in {device.method for device in state.devices_of(request.user)}:
        raise TwoFactorError("invalid_method", _("Choose one of your two-factor methods."))
    state.set_method(request, method)


def authenticate_password(request, identifier: str, password: str):
    """The password step, shared by the sign-in page and the API; every attempt is budgeted before the check.

    Returns the user; raises TwoFactorError "invalid_credentials" (one generic message for a
    wrong identity, a wrong password or an inactive account) or "throttled".
    """
    counted = password_guard.admit(request, password_guard.account_for(identifier), identifier)
    user = authenticate(request, username=identifier, password=password)
    if user is None or not user.is_active:
        raise TwoFactorError(
            "invalid_credentials", _("The username, email or password is not correct."), status=401
        )
    password_guard.succeeded(counted)
    return user


def reauthenticate(request, password: str, code: str = "", method: str | None = None) -> None:
    """Prove the password (and a code, when the user has methods) again before a sensitive change."""
    user = request.user
    counted = password_guard.admit(request, user.pk)
    if not user.check_password(password):
        raise TwoFactorError("invalid_credentials", _("That password is not correct."), fields={"password": "invalid"})
    password_guard.succeeded(counted)
    if state.devices_of(user):
        check_code(request, user, code, method)
        state.mark_code_entered(request)
    state.mark_password_entered(request)
    state.rotate_key(request)
    state.record_session(request, user.pk, password=True)


def require_recent_authentication(request) -> None:
    if not state.recently_authenticated(request, code_required=bool(state.devices_of(request.user))):
        from .errors import reauthentication_required

        raise reauthentication_required()
