"""The sign-in record: the two-factor state of a session, kept as one small explicit record in the session.

    request.session["twofactor"] = {
        "user_id": 7, "state": "verify", "started_at": 1700000000.0,
        "backend": "...", "method": "totp", "device_id": "", "verified_at": None,
    }

state is one of
    "verify"    password given, second step pending (expires after PENDING_SIGN_IN_SECONDS)
    "setup"     password given, no method yet, and the site requires one (expires after SETUP_SECONDS)
    "grace"     no method yet, required, but within the user's grace period (`deadline`, epoch seconds)
    "verified"  second step done (device_id names the device)
    "none"      no method and none required

Reading it costs no query: a verified request needs nothing but the session Django already loads.
"""

import time
from dataclasses import dataclass

from .. import device_cookie
from ..app_settings import app_settings
from ..models import TrustedBrowser, TwoFactorDevice
from . import grace
from .policy import devices_of, primary_device, required_for
from .reauth import mark_code_entered
from .sessions import record_session

SESSION_KEY = "twofactor"

VERIFY, SETUP, VERIFIED, NONE, GRACE = "verify", "setup", "verified", "none", "grace"
#: The `method` of a session verified by a rescue code by email (the rescue code is no method of the registry).
RESCUE = "rescue"


@dataclass(frozen=True)
class SignInState:
    user_id: int
    state: str
    started_at: float
    method: str | None = None
    device_id: str = ""
    verified_at: float | None = None
    deadline: float | None = None  # state "grace": until when (the banner reads it here, not in the database)

    @property
    def expired(self) -> bool:
        if self.state == VERIFY:
            return time.time() - self.started_at > app_settings.PENDING_SIGN_IN_SECONDS
        # A password-only session parked on the set-up page must not wait for the owner to add a method.
        return self.state == SETUP and time.time() - self.started_at > app_settings.SETUP_SECONDS

    @property
    def verified(self) -> bool:
        return self.state == VERIFIED

    @property
    def limited_until(self) -> float | None:
        """A session whose second step was a rescue code by email is limited until then (epoch seconds)."""
        if self.state != VERIFIED or self.method != RESCUE or self.verified_at is None:
            return None
        return self.verified_at + app_settings.RESCUE_WAIT_HOURS * 3600


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
        **({"deadline": state.deadline} if state.deadline is not None else {}),
    }


def begin(request, user, *, remembered_device: TrustedBrowser | TwoFactorDevice | None = None) -> SignInState:
    """Start the two-factor part of a sign-in whose password step just succeeded.

    `remembered_device`: the trusted browser (or device) that vouches for this browser; the sign-in is then verified
    at once, recorded as done by the device that made the browser trusted, and reads no device list."""
    if remembered_device is not None:
        new = SignInState(
            user.pk, VERIFIED, time.time(), remembered_device.method, remembered_device.persistent_id, time.time()
        )
    elif devices := devices_of(user):
        primary = primary_device(devices) or devices[0]
        new = SignInState(user.pk, VERIFY, time.time(), primary.method)
    else:
        new = _without_method(user)
    _write(request, new)
    return new


def _without_method(user) -> SignInState:
    """The state of a user with no method: free ("none"), in grace until a deadline, or sent to set-up."""
    if not required_for(user):
        return SignInState(user.pk, NONE, time.time())
    deadline = grace.deadline_for(user)
    if deadline is None:
        return SignInState(user.pk, SETUP, time.time())
    return SignInState(user.pk, GRACE, time.time(), deadline=deadline.timestamp())


def review(request, user, current: SignInState) -> SignInState:
    """A session without a method asks the policy again on each request (a group joined, a deadline moved or
    passed); only such sessions pay for it, never a verified one."""
    new = _without_method(user)
    if (new.state, new.deadline) == (current.state, current.deadline):
        return current
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
    if device.method != RESCUE:
        # The mailbox's rescue code is no second factor: it makes no step-up or re-authentication fresh.
        mark_code_entered(request)
    request.session.cycle_key()  # after the last change to the session: a renaming store saves it all at once
    record_session(request, device.user_id, old_key=old_key, device_id=device.persistent_id, verified=True)
    device_cookie.issue(request, request.user)
    request.user.is_verified = lambda: True
    request.user.otp_device = device
    return new
