"""The two-factor state of a session, kept as one small explicit record in the session.

    request.session["twofactor"] = {
        "user_id": 7, "state": "verify", "started_at": 1700000000.0,
        "backend": "...", "method": "totp", "device_id": "", "verified_at": None,
    }

state is one of
    "verify"    password given, second step pending (expires after PENDING_SIGN_IN_SECONDS)
    "setup"     password given, no method yet, and the site requires one (expires after SETUP_SECONDS)
    "verified"  second step done (device_id names the device)
    "none"      no method and none required

Reading it costs no query: a verified request needs nothing but the session Django
already loads. Revocation works by deleting sessions (see `end_sessions`), never by a
per-request check.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from . import device_cookie
from .app_settings import app_settings
from .client_info import client_ip, user_agent
from .core import registry
from .models import TwoFactorDevice, UserSession

SESSION_KEY = "twofactor"
REAUTH_KEY = "twofactor_reauth"

VERIFY, SETUP, VERIFIED, NONE = "verify", "setup", "verified", "none"


@dataclass(frozen=True)
class SignInState:
    user_id: int
    state: str
    started_at: float
    method: str | None = None
    device_id: str = ""
    verified_at: float | None = None

    @property
    def expired(self) -> bool:
        if self.state == VERIFY:
            return time.time() - self.started_at > app_settings.PENDING_SIGN_IN_SECONDS
        # A password-only session parked on the set-up page must not wait for the owner to add a method.
        return self.state == SETUP and time.time() - self.started_at > app_settings.SETUP_SECONDS

    @property
    def verified(self) -> bool:
        return self.state == VERIFIED


def required_for(user) -> bool:
    """Whether the site's policy (TWOFACTOR_REQUIRED) makes this user set up a method."""
    policy = app_settings.REQUIRED
    return policy == "all" or (policy == "staff" and (user.is_staff or user.is_superuser))


def devices_of(user, *, for_update: bool = False) -> list[TwoFactorDevice]:
    """The user's confirmed methods, in the order they are offered (one query per method type)."""
    devices = []
    for method in registry.methods():
        queryset = method.devices(user)
        if for_update:
            queryset = queryset.select_for_update()
        devices.extend(queryset)
    return devices


def primary_device(devices: list[TwoFactorDevice]) -> TwoFactorDevice | None:
    """The method offered first: the one used last, else the first added (never recovery codes)."""
    candidates = [device for device in devices if not getattr(registry.for_device(device), "recovery", True)]
    if not candidates:
        return None
    used = [device for device in candidates if device.last_used_at]
    if used:
        return max(used, key=lambda device: device.last_used_at)
    return candidates[0]


def read(request) -> SignInState | None:
    record = request.session.get(SESSION_KEY)
    if not record:
        return None
    return SignInState(**record)


def _write(request, state: SignInState) -> None:
    request.session[SESSION_KEY] = {
        "user_id": state.user_id,
        "state": state.state,
        "started_at": state.started_at,
        "method": state.method,
        "device_id": state.device_id,
        "verified_at": state.verified_at,
    }


def begin(request, user, *, remembered_device: TwoFactorDevice | None = None) -> SignInState:
    """Start the two-factor part of a sign-in whose password step just succeeded."""
    devices = devices_of(user)
    if remembered_device is not None:
        new = SignInState(
            user.pk, VERIFIED, time.time(), remembered_device.method, remembered_device.persistent_id, time.time()
        )
    elif devices:
        primary = primary_device(devices) or devices[0]
        new = SignInState(user.pk, VERIFY, time.time(), primary.method)
    elif required_for(user):
        new = SignInState(user.pk, SETUP, time.time())
    else:
        new = SignInState(user.pk, NONE, time.time())
    _write(request, new)
    return new


def set_method(request, method: str) -> None:
    current = read(request)
    if current is not None:
        _write(request, SignInState(**{**current.__dict__, "method": method}))


def mark_verified(request, device: TwoFactorDevice) -> SignInState:
    """The second step is done: rotate the session key and record which device did it."""
    old_key = request.session.session_key
    current = read(request)
    started_at = current.started_at if current else time.time()
    new = SignInState(device.user_id, VERIFIED, started_at, device.method, device.persistent_id, time.time())
    _write(request, new)
    request.session.cycle_key()
    mark_code_entered(request)
    record_session(request, device.user_id, old_key=old_key, device_id=device.persistent_id, verified=True)
    device_cookie.issue(request, request.user)
    request.user.is_verified = lambda: True
    request.user.otp_device = device
    return new


def rotate_key(request) -> None:
    """A step up (re-authentication): a new session key, so a key captured before it is worth nothing."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def record_session(
    request,
    user_id: int,
    *,
    old_key: str | None = None,
    device_id: str = "",
    verified: bool = False,
    password: bool = False,
) -> None:
    """Keep the session's row in UserSession in step with its (possibly new) key.

    `password`: the session just proved the password (sign-in, re-authentication).
    """
    if request.session.session_key is None:
        request.session.save()
    values = {
        "user_id": user_id,
        "session_key": request.session.session_key,
        "ip": client_ip(request),
        "user_agent": user_agent(request),
        "expires_at": request.session.get_expiry_date(),
    }
    if verified:
        values.update(device_id=device_id, verified_at=timezone.now())
    if password:
        values.update(password_at=timezone.now())
    keys = [key for key in (old_key, request.session.session_key) if key]
    updated = UserSession.objects.filter(session_key__in=keys).update(**values)
    if not updated:
        UserSession.objects.create(**values)


def is_newest_recent_password_proof(request, user) -> bool:
    """Whether this session proved the password within SETUP_SECONDS and no other session of `user` did since.

    The rule for adding a first method: of two sessions that know the password, only the latest
    may enrol, so a session parked by someone else loses that right once the owner signs in.
    """
    stamps = request.session.get(REAUTH_KEY, {})
    if stamps.get("password_at", 0) < time.time() - app_settings.SETUP_SECONDS:
        return False
    key = request.session.session_key
    mine = UserSession.objects.filter(session_key=key, user=user).values_list("password_at", flat=True).first()
    if mine is None:
        return False
    return not UserSession.objects.filter(user=user, password_at__gt=mine).exclude(session_key=key).exists()


def end_unproven_sessions(request, user) -> int:
    """End every other session of `user` that has not passed a second step (a method was just added)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    return end_sessions(UserSession.objects.filter(user=user, verified_at__isnull=True).exclude(session_key=key))


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def live_sessions(user):
    """The user's UserSession rows, after forgetting those whose session has ended.

    A row's `expires_at` is only a hint: Django moves a session's expiry whenever it saves it. A row past
    its hint is kept (with a new horizon) while its session still loads, so revocation never misses it.
    """
    store = _session_store()
    horizon = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    for record in UserSession.objects.filter(user=user, expires_at__lt=timezone.now()):
        if store(session_key=record.session_key).load():
            UserSession.objects.filter(pk=record.pk).update(expires_at=horizon)
        else:
            record.delete()
    return UserSession.objects.filter(user=user)


def end_sessions(sessions) -> int:
    """Delete these sessions from the session store (signing them out at once) and their rows."""
    store = _session_store()
    ended = 0
    for record in list(sessions):
        store(session_key=record.session_key).delete()
        record.delete()
        ended += 1
    return ended


# Re-authentication: how long ago this session last proved the password and a code.


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
