"""The second step of sign-in, and the code check that re-authentication shares with it."""

import time
from datetime import UTC, datetime

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import after_response, password_guard, remember, state
from ..core import registry
from ..core.method import Method
from ..errors import TwoFactorError, invalid_code, reauthentication_required, throttled
from ..models import TwoFactorDevice
from ..signals import Kind, emit
from ..verification import VerifyResult, verify_code, verify_first
from . import unlock


def _candidates(method: str | None, code: str, default: str | None) -> list[Method]:
    """The methods a code may be meant for, in the order they are tried: the named one; else a recovery
    method that knows the code by its shape (a backup code), then the method the pending sign-in offers."""
    if method:
        named = registry.get(method)
        return [named] if named else []
    candidates = [recovery for recovery in registry.recovery() if recovery.recognizes(code)]
    offered = registry.get(default)
    return [*candidates, offered] if offered and offered not in candidates else candidates


def _fallback_device(user) -> TwoFactorDevice | None:
    """The device a code without a usable method is checked against: the primary one, else recovery codes."""
    devices = state.devices_of(user)
    recovery = {method.key for method in registry.recovery()}
    return state.primary_device(devices) or next((device for device in devices if device.method in recovery), None)


def _verify_with(request, user, chosen: Method, code: str) -> TwoFactorDevice | None:
    """Check `code` against the user's device of `chosen`, found and locked in the query that checks it (a
    method with several devices per user first picks the one the code names); None when the user has none."""
    devices = chosen.devices(user)
    if chosen.multiple:
        device = chosen.device_for_code(list(devices), code)
        if device is None:
            return None
        devices = type(device).objects.filter(pk=device.pk)
    refused = chosen.refusal(user)
    if refused is not None and devices.exists():
        raise refused
    return check_device_code(request, user, devices, chosen.bind_code(request, code))


def check_code(request, user, code: str, method: str | None = None) -> TwoFactorDevice:
    """Verify one code for `user` through the exactly-once path; raise TwoFactorError when it fails.

    The device is found by its method and locked in the same query, so a sign-in loads no device list.
    """
    current = state.read(request)
    for chosen in _candidates(method, code, current.method if current else None):
        checked = _verify_with(request, user, chosen, code)
        if checked is not None:
            break
    else:
        device = None if method else _fallback_device(user)
        if device is None:
            raise TwoFactorError(
                "invalid_method", _("Choose one of your two-factor methods."), fields={"method": "unknown"}
            )
        chosen = registry.for_device(device)
        refused = chosen.refusal(user)
        if refused is not None:
            raise refused
        checked = check_device_code(request, user, device, chosen.bind_code(request, code))
    chosen.on_code_accepted(request, user, checked)
    return checked


def check_device_code(request, user, devices, code: str) -> TwoFactorDevice | None:
    """The one check every code entered takes (sign-in, re-authentication, rescue, a passkey alone).

    `devices` is a device, or a queryset of one device model whose first confirmed row is checked (found and
    locked in one query). The code is checked exactly once, under the row lock, throttled
    (twofactor.verification); a refusal is recorded and raised as TwoFactorError. Returns the device as it was
    locked; None when a queryset holds no confirmed device (a device given that is not confirmed is refused).
    """
    single = isinstance(devices, TwoFactorDevice)
    result = verify_code(devices, code) if single else verify_first(devices, code)
    if result.device is None and not single:
        return None
    return _checked(request, user, result, (result.device or devices).method)


def _checked(request, user, result: VerifyResult, event_method: str) -> TwoFactorDevice:
    """The device that accepted the code; a throttled or refused code is recorded and raised."""
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


def pending_sign_in(request) -> state.SignInState | None:
    """This session's sign-in when it waits for its second step (the signed-in user's), else None.

    The one definition of "a second step is pending": every use case that needs one asks here."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    current = state.read(request)
    if current is None or current.state != state.VERIFY or current.user_id != user.pk:
        return None
    return current


def verify(request, code: str, *, method: str | None = None, remember_browser: bool = False) -> None:
    """Complete the pending sign-in with a code (or another answer a method checks, such as a passkey's).

    `remember_browser`: also remember this browser; TwoFactorMiddleware sets the cookie on the response."""
    if pending_sign_in(request) is None:
        raise TwoFactorError("conflict", _("No sign-in is waiting for its second step."), status=409)
    user = request.user
    device = check_code(request, user, code, method)
    state.mark_verified(request, device)
    emit(Kind.SIGNED_IN, user=user, request=request, method=device.method, remembered=False)
    if remember_browser and remember.enabled():
        remember.issue(request, remember.trust_browser(request, user, device))


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
    user_pk = password_guard.account_for(identifier)
    try:
        counted = password_guard.admit(request, user_pk, identifier)
    except TwoFactorError as refused:
        locked = password_guard.ceiling_reached(user_pk, identifier)
        if user_pk is not None and (locked or password_guard.address_limit_reached(request, user_pk, identifier)):
            # Strangers are guessing: the owner is told (once a day), with a way in they cannot use when the ceiling
            # is spent. The answer below is the same for any name, so it tells nobody whether the account exists;
            # the mail goes once the answer is out, so its timing does not either.
            after_response.schedule(request, lambda: unlock.warn_owner(request, user_pk, locked=locked))
        if not locked:
            raise
        wait = refused.retry_after
        message = ngettext(
            "Too many wrong passwords were tried for this account. Try again in %(seconds)d second, or, if the "
            "account is yours, open the link we mailed you in this browser to sign in now.",
            "Too many wrong passwords were tried for this account. Try again in %(seconds)d seconds, or, if the "
            "account is yours, open the link we mailed you in this browser to sign in now.",
            wait,
        ) % {"seconds": wait}
        raise TwoFactorError("throttled", message, status=429, retry_after=wait) from None
    user = authenticate(request, username=identifier, password=password)
    if user is None or not user.is_active:
        raise TwoFactorError("invalid_credentials", _("The username, email or password is not correct."), status=401)
    password_guard.succeeded(counted)
    return user


def check_password(request, user, password: str) -> None:
    """The current password of a signed-in user (re-authentication, password change), through the sign-in page's
    password guard: counted before it is checked, given back when right; a wrong one is recorded.

    Raises TwoFactorError "invalid_credentials" or "throttled" (429, nothing checked).
    """
    counted = password_guard.admit(request, user.pk)
    if not user.check_password(password):
        emit(Kind.PASSWORD_FAILED, user=user, request=request)
        raise TwoFactorError("invalid_credentials", _("That password is not correct."), fields={"password": "invalid"})
    password_guard.succeeded(counted)


def reauthenticate(request, password: str, code: str = "", method: str | None = None) -> None:
    """Prove the password (and a code, when the user has methods) again before a sensitive change."""
    user = request.user
    check_password(request, user, password)
    if state.devices_of(user):
        check_code(request, user, code, method)
        state.mark_code_entered(request)
    state.mark_password_entered(request)
    state.rotate_key(request)
    state.record_session(request, user.pk, password=True)


def require_recent_authentication(request) -> None:
    """A change that weakens the account (a method, backup codes, sessions): a full session that proved the password
    (and a code, when the user has methods) within TWOFACTOR_REAUTH_SECONDS."""
    require_full_session(request)
    if not state.recently_authenticated(request, code_required=bool(state.devices_of(request.user))):
        raise reauthentication_required()


def require_full_session(request) -> None:
    """A session whose second step was a rescue code by email is limited for TWOFACTOR_RESCUE_WAIT_HOURS: it adds,
    removes and renames no method, makes no backup codes, changes no password and signs no session out, while the
    owner, told on every channel of the account, can end it (twofactor.mailbox)."""
    current = state.read(request)
    until = current.limited_until if current is not None else None
    if until is not None and time.time() < until:
        moment = date_format(timezone.localtime(datetime.fromtimestamp(until, tz=UTC)), "DATETIME_FORMAT")
        raise TwoFactorError(
            "limited_session",
            _(
                "You signed in with a rescue code sent by email, so for your security this session cannot change "
                "your two-factor methods, backup codes, password or sessions until %(moment)s. Sign in with one of "
                "your methods or a backup code to do it now, or ask the administrators for help."
            )
            % {"moment": moment},
            status=403,
        )
