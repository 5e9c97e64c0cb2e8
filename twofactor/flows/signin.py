"""The second step of sign-in, and the code check that re-authentication shares with it."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from .. import ratelimit, remember, state
from ..app_settings import app_settings
from ..client_info import client_ip
from ..methods import registry
from ..models import TwoFactorDevice
from ..signals import Kind, emit
from ..verification import verify_code
from .errors import TwoFactorError, invalid_code, reauthentication_required, throttled


def pick_device(devices: list[TwoFactorDevice], method: str | None, code: str, default: str | None = None):
    """The device a code is meant for: the named method, a recovery code by its shape, else the default."""
    by_method = {device.method: device for device in devices}
    if method:
        return by_method.get(method)
    recovery = [by_method[m.key] for m in registry.recovery() if m.key in by_method]
    recognized = next(
        (by_method[m.key] for m in registry.recovery() if m.key in by_method and m.recognizes(code)), None
    )
    if recognized is not None:
        return recognized
    if default and default in by_method:
        return by_method[default]
    primary = state.primary_device(devices)
    return primary or next(iter(recovery), None)


def check_code(request, user, code: str, method: str | None = None) -> TwoFactorDevice:
    """Verify one code for `user` through the exactly-once path; raise TwoFactorError when it fails."""
    current = state.read(request)
    devices = state.devices_of(user)
    device = pick_device(devices, method, code, default=current.method if current else None)
    if device is None:
        raise TwoFactorError(
            "invalid_method", _("Choose one of your two-factor methods."), fields={"method": "unknown"}
        )
    checked = check_device_code(request, user, device, code)
    registry.for_device(device).on_code_accepted(request, user, checked)
    return checked


def check_device_code(request, user, device, code: str, *, event_method: str | None = None):
    """The one check every code entered takes (sign-in, re-authentication, rescue): exactly once, under a row
    lock, throttled; a refusal is recorded and raised as TwoFactorError. Returns the device as it was locked."""
    event_method = event_method or device.method
    result = verify_code(device, code)
    if result.throttled:
        emit(Kind.THROTTLED, user=user, request=request, method=event_method, retry_after=result.retry_after)
        raise throttled(result.retry_after)
    if not result.accepted:
        emit(Kind.CODE_FAILED, user=user, request=request, method=event_method, failures=result.failure_count)
        raise invalid_code()
    return result.device


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


PASSWORD_WINDOW_SECONDS = 15 * 60


def _password_limits(request, identifier: str) -> list[tuple[str, int]]:
    return [
        (f"password-failures:id:{identifier.strip().lower()}", app_settings.PASSWORD_FAILURES_PER_ACCOUNT),
        (f"password-failures:ip:{client_ip(request)}", app_settings.PASSWORD_FAILURES_PER_IP),
    ]


def _check_password_throttle(limits: list[tuple[str, int]]) -> None:
    for key, limit in limits:
        decision = ratelimit.peek(key, limit, PASSWORD_WINDOW_SECONDS)
        if not decision.allowed:
            raise throttled(decision.retry_after)


def _count_password_failure(limits: list[tuple[str, int]]) -> None:
    for key, limit in limits:
        ratelimit.consume(key, limit, PASSWORD_WINDOW_SECONDS)


def authenticate_password(request, identifier: str, password: str):
    """The password step, shared by the sign-in page and the API: throttled per account and per address.

    Returns the user; raises TwoFactorError "invalid_credentials" (one generic message for a
    wrong identity, a wrong password or an inactive account) or "throttled".
    """
    limits = _password_limits(request, identifier)
    _check_password_throttle(limits)
    user = authenticate(request, username=identifier, password=password)
    if user is None or not user.is_active:
        _count_password_failure(limits)
        raise TwoFactorError("invalid_credentials", _("The username, email or password is not correct."), status=401)
    return user


def reauthenticate(request, password: str, code: str = "", method: str | None = None) -> None:
    """Prove the password (and a code, when the user has methods) again before a sensitive change."""
    user = request.user
    limits = _password_limits(request, user.get_username())
    _check_password_throttle(limits)
    if not user.check_password(password):
        _count_password_failure(limits)
        raise TwoFactorError("invalid_credentials", _("That password is not correct."), fields={"password": "invalid"})
    if state.devices_of(user):
        check_code(request, user, code, method)
        state.mark_code_entered(request)
    state.mark_password_entered(request)
    state.rotate_key(request)


def require_recent_authentication(request) -> None:
    if not state.recently_authenticated(request, code_required=bool(state.devices_of(request.user))):
        raise reauthentication_required()
