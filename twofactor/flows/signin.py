"""The second step of sign-in, and the code check that re-authentication shares with it."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from .. import password_guard, remember, state
from ..methods import registry
from ..models import TwoFactorDevice
from ..signals import Kind, emit
from ..verification import verify_code
from .errors import TwoFactorError, invalid_code, reauthentication_required, throttled


def pick_device(devices: list[TwoFactorDevice], method: str | None, code: str, default: str | None = None):
    """The device a code is meant for: the named method, a recovery code by its shape, else the default."""
    by_method: dict[str, list[TwoFactorDevice]] = {}
    for device in devices:
        by_method.setdefault(device.method, []).append(device)

    def of(key: str | None) -> TwoFactorDevice | None:
        chosen = registry.get(key)
        return chosen.device_for_code(by_method[key], code) if chosen and key in by_method else None

    if method:
        return of(method)
    recovery = [m.key for m in registry.recovery() if m.key in by_method]
    recognized = next((key for key in recovery if registry.get(key).recognizes(code)), None)
    if recognized is not None:
        return of(recognized)
    if default and default in by_method:
        return of(default)
    primary = state.primary_device(devices)
    return primary or next((of(key) for key in recovery), None)


def check_code(request, user, code: str, method: str | None = None) -> TwoFactorDevice:
    """Verify one code for `user` through the exactly-once path; raise TwoFactorError when it fails."""
    current = state.read(request)
    devices = state.devices_of(user)
    device = pick_device(devices, method, code, default=current.method if current else None)
    if device is None:
        raise TwoFactorError(
            "invalid_method", _("Choose one of your two-factor methods."), fields={"method": "unknown"}
        )
    refused = registry.for_device(device).refusal(user)
    if refused is not None:
        raise refused
    checked = check_device_code(request, user, device, registry.for_device(device).bind_code(request, code))
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
        # A method may say why (e.g. a passkey's counter went backwards: a cloned key); never a code or a secret.
        reason = getattr(result.device, "rejection_reason", "")
        emit(
            Kind.CODE_FAILED,
            user=user,
            request=request,
            method=event_method,
            failures=result.failure_count,
            **({"reason": reason} if reason else {}),
        )
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


def authenticate_password(request, identifier: str, password: str):
    """The password step, shared by the sign-in page and the API; every attempt is budgeted before the check.

    Returns the user; raises TwoFactorError "invalid_credentials" (one generic message for a
    wrong identity, a wrong password or an inactive account) or "throttled".
    """
    counted = password_guard.admit(request, password_guard.account_for(identifier), identifier)
    user = authenticate(request, username=identifier, password=password)
    if user is None or not user.is_active:
        raise TwoFactorError("invalid_credentials", _("The username, email or password is not correct."), status=401)
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
        raise reauthentication_required()
